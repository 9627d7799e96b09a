// The arguments of /status/{codes} and /delay/{duration}, read as go-httpbin reads them.

/** Go's `strconv.Atoi` syntax: an optional sign, then decimal digits. */
const INTEGER = /^[+-]?[0-9]+$/;

/**
 * A decimal number as Go's `strconv.ParseFloat` takes it (without hex
 * floats, `inf` or `nan`); written so that it backtracks only linearly.
 */
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** An integer in `[low, high]`, or a message saying why `text` is not one. */
export function integerIn(text: string, low: number, high: number): number | string {
  if (!INTEGER.test(text)) return `invalid status code: "${text}" is not an integer`;
  const value = Number(text);
  if (value < low || value > high) {
    return `invalid status code: ${text} not in range [${low}, ${high}]`;
  }
  return value;
}

/**
 * The status `/status/{codes}` answers with: one code (100–599), or a
 * weighted choice (`200:0.7,429:0.3`; a weight defaults to 1), picked at
 * random by weight. A message saying what is wrong otherwise.
 */
export function pickStatus(codes: string, random: () => number = Math.random): number | string {
  if (!codes.includes(',')) return integerIn(codes, 100, 599);
  const choices: { code: number; weight: number }[] = [];
  let total = 0;
  for (const item of codes.split(',')) {
    const colon = item.indexOf(':');
    const codeText = colon === -1 ? item : item.slice(0, colon);
    const code = integerIn(codeText, 100, 599);
    if (typeof code === 'string') return `invalid choice value: "${codeText}"`;
    let weight = 1;
    if (colon !== -1) {
      const weightText = item.slice(colon + 1);
      weight = DECIMAL.test(weightText) ? Number(weightText) : NaN;
      if (!(weight >= 0 && Number.isFinite(weight))) {
        return `invalid weight value: "${weightText}"`;
      }
    }
    choices.push({ code, weight });
    total += weight;
  }
  if (!(total > 0 && Number.isFinite(total))) {
    return 'invalid weights: they must add up to more than 0';
  }
  const target = random() * total;
  let running = 0;
  for (const { code, weight } of choices) {
    running += weight;
    if (running > target) return code;
  }
  // Rounding can leave the target at the very top: the last choice with a weight.
  return choices.filter((choice) => choice.weight > 0).at(-1)!.code;
}

/** Milliseconds per unit of a Go duration. */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 MICRO SIGN
  μs: 1e-3, // U+03BC GREEK SMALL LETTER MU
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * One `number unit` term of a Go duration (`1.5h`, `.5s`, `300ms`). A digit
 * can only belong to one place in it, so it never backtracks more than
 * linearly.
 */
const DURATION_TERM = /([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/y;

/** A Go duration (`100ms`, `1h2m3.5s`, `0`) in milliseconds; `undefined` when `text` is not one. */
function goDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  DURATION_TERM.lastIndex = 0;
  while (DURATION_TERM.lastIndex < rest.length) {
    const term = DURATION_TERM.exec(rest);
    if (!term || term[1] === '' || term[1] === '.') return undefined;
    const unit = UNITS[term[2]!];
    if (unit === undefined) return undefined;
    total += Number(term[1]) * unit;
  }
  return sign * total;
}

/**
 * The delay `/delay/{duration}` asks for, in milliseconds: a Go duration
 * (`100ms`, `1.5s`) or a number of seconds (`0.1`, truncated to whole
 * milliseconds), at most `maxMs`. A message saying what is wrong otherwise.
 */
export function delayMs(text: string, maxMs: number): number | string {
  let ms = goDuration(text);
  if (ms === undefined) {
    if (!DECIMAL.test(text))
      return `invalid duration: "${text}" is not a duration or a number of seconds`;
    ms = Math.trunc(Number(text) * 1000);
  }
  if (!Number.isFinite(ms) || ms > maxMs) {
    return `invalid duration: duration ${text} longer than ${maxMs / 1000}s`;
  }
  if (ms < 0) return `invalid duration: duration ${text} shorter than 0s`;
  return ms;
}
