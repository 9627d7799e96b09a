// The command's config file: JSON or YAML, with $VAR and ${VAR} taken from the environment; and --save-config.
import { readFileSync } from 'node:fs';
import { writeFileWhole } from './write-file';
import yaml from 'js-yaml';

/** Why a config file cannot be used; the message names the file and what is wrong. */
export class ConfigFileError extends Error {}

/** Whether a file name says YAML (`.yaml`, `.yml`); any other is JSON. */
function isYaml(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/**
 * Reads a config file's options: an object, JSON or (for `.yaml` and
 * `.yml`) YAML. YAML is read with its JSON schema: strings, numbers,
 * booleans, null, lists and maps, nothing that becomes code or a date.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
    );
  }
  let parsed: unknown;
  try {
    parsed = isYaml(file)
      ? yaml.load(text, { schema: yaml.JSON_SCHEMA, filename: file })
      : JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError((err as Error).message.split('\n')[0]!);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigFileError(
      `must hold ${isYaml(file) ? 'a YAML map' : 'a JSON object'} of options`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** `$NAME`, `${NAME}`, or `$$` (a `$`): one pass, left to right. */
const REFERENCE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * A config value with every `$NAME` and `${NAME}` in its strings (in lists
 * and maps too) replaced by the environment's value; `$$` is a `$`, and a
 * `$` followed by anything else stays. A variable that is not set is an
 * error naming it and the option, never a silent empty string.
 */
export function expandEnv(
  value: unknown,
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, braced?: string, bare?: string) => {
      const name = braced ?? bare;
      if (name === undefined) return '$';
      const found = env[name];
      if (found === undefined) {
        throw new ConfigFileError(
          `"${key}" uses $${name}, which is not set in the environment (write $$ for a $ of its own)`,
        );
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item) => expandEnv(item, key, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, expandEnv(item, key, env)]),
    );
  }
  return value;
}

/**
 * Writes options to `file`, as YAML for `.yaml`/`.yml` and JSON otherwise,
 * whole (a temporary file put in place), readable by its owner only: a
 * config may hold a secret.
 */
export function writeConfigFile(file: string, options: Record<string, unknown>): void {
  const text = isYaml(file)
    ? yaml.dump(options, { schema: yaml.JSON_SCHEMA, lineWidth: -1, noRefs: true })
    : `${JSON.stringify(options, null, 2)}\n`;
  writeFileWhole(file, text, 0o600);
}
