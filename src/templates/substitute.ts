// Pure template substitution with the semantics of Python's string.Template.safe_substitute.

/** `$$`, `$name` or `${name}`; identifiers are ASCII letters, digits and `_`, not starting with a digit. */
const PLACEHOLDER = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\})/g;

/** Field values by name. Values are turned into strings with `String()`. */
export type TemplateFields = Readonly<Record<string, unknown>>;

function lookup(fields: TemplateFields, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(fields, name) ? String(fields[name]) : undefined;
}

/**
 * The first pass: substitutes the fields it knows, leaving every other
 * placeholder and every `$$` as it was, so the second pass sees them
 * (a field's value may itself hold `$BODY` to be filled then).
 */
export function substitutePartial(text: string, fields: TemplateFields): string {
  return text.replace(PLACEHOLDER, (match, escaped?: string, named?: string, braced?: string) => {
    if (escaped) return match;
    return lookup(fields, (named ?? braced)!) ?? match;
  });
}

/**
 * The final pass: substitutes the fields it knows, removes every other
 * `$name`/`${name}` left over, and turns `$$` into a literal `$`. A `$` that
 * starts no placeholder (`$5`, a trailing `$`) stays. Values inserted here
 * are not scanned again.
 */
export function substituteFinal(text: string, fields: TemplateFields): string {
  return text.replace(PLACEHOLDER, (_match, escaped?: string, named?: string, braced?: string) => {
    if (escaped) return '$';
    return lookup(fields, (named ?? braced)!) ?? '';
  });
}
