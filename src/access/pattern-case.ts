// Rewrites a regular expression's source so it matches ASCII letters in either case, for V8's linear engine (which refuses the `i` flag).

/** True for an ASCII letter's code. */
function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** A letter as a class of both its cases (`a` → `[aA]`). */
function bothCases(code: number): string {
  return `[${String.fromCharCode(code)}${String.fromCharCode(code ^ 0x20)}]`;
}

/** Escapes that stand for one control character, by their letter. */
const CONTROL: Readonly<Record<string, number>> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

/** Class escapes: sets that hold both cases of every letter they hold. */
const CLASS_ESCAPES = 'dDsSwW';

/** `length` hex digits at `source[i]`, or `undefined`. */
function hexAt(source: string, i: number, length: number): number | undefined {
  const digits = source.slice(i, i + length);
  return digits.length === length && /^[0-9A-Fa-f]+$/.test(digits)
    ? parseInt(digits, 16)
    : undefined;
}

/** True when `\c` at `source[i - 1]` is a control escape: a letter follows (in a class, a digit or `_` too). */
function isControlEscape(source: string, i: number, inClass: boolean): boolean {
  const next = source[i + 1] ?? '';
  return /^[A-Za-z]$/.test(next) || (inClass && /^[0-9_]$/.test(next));
}

/**
 * Reads the escape whose letter is at `source[i]` (just past a `\`) as
 * Annex B reads it without the `u` flag: the character it stands for, or
 * `undefined` for a class escape or an assertion, and where it ends. The
 * caller has handled a `\c` that is not a control escape.
 */
function readEscape(
  source: string,
  i: number,
  inClass: boolean,
): { code: number | undefined; end: number } {
  const c = source[i]!;
  if (CLASS_ESCAPES.includes(c)) return { code: undefined, end: i + 1 };
  if (c === 'b') return { code: inClass ? 0x08 : undefined, end: i + 1 };
  if (c === 'B' && !inClass) return { code: undefined, end: i + 1 };
  if (c in CONTROL) return { code: CONTROL[c], end: i + 1 };
  if (c === 'c') return { code: source.charCodeAt(i + 1) % 32, end: i + 2 };
  const hex = c === 'x' ? hexAt(source, i + 1, 2) : c === 'u' ? hexAt(source, i + 1, 4) : undefined;
  if (hex !== undefined) return { code: hex, end: i + (c === 'x' ? 3 : 5) };
  if (c >= '0' && c <= '7') {
    // A legacy octal escape (the linear engine refuses backreferences, so a
    // digit in a pattern it compiled is one): up to three digits, at most 0o377.
    let end = i + 1;
    let value = Number(c);
    while (
      end < i + 3 &&
      /^[0-7]$/.test(source[end] ?? '') &&
      value * 8 + Number(source[end]) <= 0o377
    ) {
      value = value * 8 + Number(source[end]);
      end++;
    }
    return { code: value, end };
  }
  // An identity escape: the character itself (`\A` is `A`, `\.` is `.`).
  return { code: source.charCodeAt(i), end: i + 1 };
}

/** One atom of a class: a character (`undefined` for a class escape), and whether it is an unescaped `-`. */
interface ClassAtom {
  readonly code: number | undefined;
  readonly dash: boolean;
}

/**
 * Rewrites the class starting at `source[start]` (`[`) so it also holds the
 * other case of each letter it holds. Returns the new class and where the
 * old one ends.
 */
function foldClass(source: string, start: number): { text: string; end: number } {
  let i = start + 1;
  const negated = source[i] === '^';
  if (negated) i++;
  const bodyStart = i;
  const atoms: ClassAtom[] = [];
  while (i < source.length && source[i] !== ']') {
    if (source[i] === '\\' && (source[i + 1] !== 'c' || isControlEscape(source, i + 1, true))) {
      const escape = readEscape(source, i + 1, true);
      atoms.push({ code: escape.code, dash: false });
      i = escape.end;
    } else {
      // A character, or the backslash of a `\c` that is no escape (the `c` comes next).
      atoms.push({ code: source.charCodeAt(i), dash: source[i] === '-' });
      i++;
    }
  }
  const letters = new Set<number>();
  const add = (from: number, to: number) => {
    for (let code = Math.max(from, 0x41); code <= Math.min(to, 0x7a); code++) {
      if (isLetter(code)) letters.add(code);
    }
  };
  for (let k = 0; k < atoms.length;) {
    const atom = atoms[k]!;
    const to = atoms[k + 2];
    if (atoms[k + 1]?.dash && to !== undefined) {
      // A range; with a class escape at either end, the `-` is itself (Annex B).
      if (atom.code !== undefined && to.code !== undefined) add(atom.code, to.code);
      else for (const end of [atom, to]) if (end.code !== undefined) add(end.code, end.code);
      k += 3;
    } else {
      if (atom.code !== undefined) add(atom.code, atom.code);
      k += 1;
    }
  }
  let added = '';
  for (const code of letters) {
    if (!letters.has(code ^ 0x20)) added += String.fromCharCode(code ^ 0x20);
  }
  const body = source.slice(bodyStart, i);
  // The letters go first; a leading `-` is escaped so it cannot start a range with them.
  const rest = added !== '' && body.startsWith('-') ? `\\${body}` : body;
  return { text: `[${negated ? '^' : ''}${added}${rest}]`, end: i + 1 };
}

/**
 * Rewrites the source of a regular expression (no `u` flag, as V8's linear
 * engine takes it) so that it matches ASCII text as the pattern does with
 * the `i` flag: each letter, written or escaped, becomes both its cases
 * (`a` → `[aA]`), and each class gains the other case of the letters it
 * holds (`[^a-f]` → `[^A-Fa-f]`). Group names and syntax stay as they are.
 * Linear in the source's length.
 */
export function caseInsensitiveSource(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      if (source[i + 1] === 'c' && !isControlEscape(source, i + 1, false)) {
        // A backslash of its own; the `c` after it is read as a letter.
        out += '\\\\';
        i += 1;
        continue;
      }
      const escape = readEscape(source, i + 1, false);
      out +=
        escape.code !== undefined && isLetter(escape.code)
          ? bothCases(escape.code)
          : source.slice(i, escape.end);
      i = escape.end;
    } else if (c === '[') {
      const folded = foldClass(source, i);
      out += folded.text;
      i = folded.end;
    } else if (source.startsWith('(?<', i) && source[i + 3] !== '=' && source[i + 3] !== '!') {
      // A named group: its name is not text to match.
      const close = source.indexOf('>', i);
      const end = close === -1 ? source.length : close + 1;
      out += source.slice(i, end);
      i = end;
    } else {
      const code = source.charCodeAt(i);
      out += isLetter(code) ? bothCases(code) : c;
      i++;
    }
  }
  return out;
}
