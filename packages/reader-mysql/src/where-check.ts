/**
 * `where` is raw SQL by design (as in DataX): it is pasted into every split's
 * SELECT as `WHERE (<where>) AND (<key range>)`, and `-p`/`${...}` values in
 * it are pasted unescaped. What it must not do is step out of its
 * parentheses: unbalanced parentheses or quotes, a `;`, or a comment would
 * turn the split's range into something else (rows read twice or lost).
 */
import { configError } from './config.js';

/** Throws a config error when `where` could escape its parentheses; says where and why. */
export function checkWhere(where: string): void {
  let depth = 0;
  for (let i = 0; i < where.length; i++) {
    const c = where[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      for (i++; i < where.length; i++) {
        if (where[i] === '\\' && c !== '`') i++;
        else if (where[i] === c) {
          if (where[i + 1] === c) i++;
          else break;
        }
      }
      if (i >= where.length) throw bad(`the quote ${c} at character ${start + 1} is not closed`);
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) throw bad(`the ")" at character ${i + 1} closes a parenthesis that was not opened`);
    } else if (c === ';') throw bad(`";" at character ${i + 1}: where is one condition, not statements`);
    else if (c === '#' || (c === '-' && where[i + 1] === '-') || (c === '/' && where[i + 1] === '*')) {
      throw bad(`a comment at character ${i + 1} would hide the split's key range`);
    }
  }
  if (depth > 0) throw bad(`${depth} "(" not closed`);
}

function bad(why: string) {
  return configError(`where: ${why} (where is pasted into every split's SELECT as WHERE (<where>) AND (<key range>))`);
}
