/**
 * `where` is raw SQL by design (as in DataX): it is pasted into every split's
 * SELECT as `WHERE (<where>) AND (<key range>)`, and `-p`/`${...}` values in
 * it are pasted unescaped. What it must not do is step out of its
 * parentheses: unbalanced parentheses or quotes, a `;`, or a comment would
 * turn the split's range into something else (rows read twice or lost).
 */
/** Why `where` could escape its parentheses (where and why), or undefined when it cannot. */
export function whereProblem(where: string): string | undefined {
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
      if (i >= where.length) return bad(`the quote ${c} at character ${start + 1} is not closed`);
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) return bad(`the ")" at character ${i + 1} closes a parenthesis that was not opened`);
    } else if (c === ';') return bad(`";" at character ${i + 1}: where is one condition, not statements`);
    else if (c === '#' || (c === '-' && where[i + 1] === '-') || (c === '/' && where[i + 1] === '*')) {
      return bad(`a comment at character ${i + 1} would hide the split's key range`);
    }
  }
  if (depth > 0) return bad(`${depth} "(" not closed`);
  return undefined;
}

function bad(why: string): string {
  return `${why} (where is pasted into every split's SELECT as WHERE (<where>) AND (<key range>))`;
}
