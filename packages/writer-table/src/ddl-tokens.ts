/**
 * The tokenizer of the DDL: identifiers (bare or `quoted`), numbers,
 * 'strings' (with '' or \' escapes), punctuation; skips whitespace, `--`
 * and `/* *\/` comments. Every token keeps its line and column so errors can
 * point at it.
 */
import { ErrorCodes, FerryError } from '@ferry/core/channel';

export type TokenKind = 'ident' | 'quoted' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier, number or punctuation text; the unescaped value of a string. */
  text: string;
  line: number;
  column: number;
}

/** A DDL error at a position: `line 3, column 5: expected ...`. */
export function ddlError(line: number, column: number, message: string): FerryError {
  return new FerryError(ErrorCodes.DDL, `DDL error at line ${line}, column ${column}: ${message}`);
}

/** How a token reads in a message: `')'`, `'COMMENT'`, `end of input`. */
export function showToken(tok: Token): string {
  if (tok.kind === 'eof') return 'end of input';
  if (tok.kind === 'string') return `'${tok.text.length > 30 ? tok.text.slice(0, 30) + '...' : tok.text}'`;
  if (tok.kind === 'quoted') return '`' + tok.text + '`';
  return `'${tok.text}'`;
}

const PUNCT = new Set(['(', ')', ',', ';', '.', '<', '>', '=']);

/** Splits DDL text into tokens; throws a DDL error on an unterminated string or a stray character. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number) => at - lineStart + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '-' && src[i + 1] === '-') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const startLine = line;
      const startCol = col(i);
      i += 2;
      while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      if (i >= src.length) throw ddlError(startLine, startCol, 'unterminated /* comment');
      i += 2;
      continue;
    }
    const start = i;
    const tokLine = line;
    const tokCol = col(i);
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_$]/.test(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), line: tokLine, column: tokCol });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      out.push({ kind: 'number', text: src.slice(start, i), line: tokLine, column: tokCol });
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0 || src.slice(i + 1, end).includes('\n')) throw ddlError(tokLine, tokCol, 'unterminated `quoted` name');
      out.push({ kind: 'quoted', text: src.slice(i + 1, end), line: tokLine, column: tokCol });
      i = end + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw ddlError(tokLine, tokCol, `unterminated string (missing closing ${c})`);
        const d = src[i]!;
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          text += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (d === c) {
          if (src[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') {
          line++;
          lineStart = i + 1;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, line: tokLine, column: tokCol });
      continue;
    }
    if (PUNCT.has(c)) {
      out.push({ kind: 'punct', text: c, line: tokLine, column: tokCol });
      i++;
      continue;
    }
    throw ddlError(tokLine, tokCol, `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', line, column: col(i) });
  return out;
}
