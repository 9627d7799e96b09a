// The command with --workers, as the tests drive it: started, its URL once every worker listens, requests each on a connection of its own.
import { start, untilOutput, type Child } from './process';

/** Starts the command with `args`. */
export function launch(...args: string[]): Child {
  return start(args);
}

/** Waits for the summary (printed once every worker listens) and gives the URL. */
export async function url(command: Child): Promise<string> {
  return (
    await untilOutput(command.process, command.stdout, /listening on (http\S+)[\s\S]*\n {2}state: /)
  )[1]!;
}

/** A request on a connection of its own, so the cluster hands it to any worker. */
export function get(base: string, target: string, headers: Record<string, string> = {}) {
  return fetch(new URL(target, base), { headers: { connection: 'close', ...headers } });
}

/** A form POST on a connection of its own. */
export function post(
  base: string,
  target: string,
  body: string,
  headers: Record<string, string> = {},
) {
  return fetch(new URL(target, base), {
    method: 'POST',
    headers: {
      connection: 'close',
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body,
  });
}

/** The session cookie a response sets, as a Cookie header gives it back. */
export function sessionOf(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('SESSION='));
  if (!cookie) throw new Error(`no session cookie (status ${res.status})`);
  return cookie.split(';')[0]!;
}
