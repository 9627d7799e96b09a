// The proofs of concept in examples/pocs/, run end to end in Debian's Chromium against the command started as each README says.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serverUrl, start, type Child } from './helpers/process';
import { openStream } from './helpers/sse';

/** Debian's chromium package: the browser is the system's, nothing is downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const POCS = path.join(__dirname, '..', 'examples', 'pocs');

// Each test starts two servers and drives a real browser; leave room for a slow machine.
jest.setTimeout(60_000);

/** Splits one shell command line as the READMEs write them: words, 'single-quoted' words, a trailing `&`. */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /'([^']*)'|(\S+)/g;
  for (const match of line.replace(/\s+&\s*$/, '').matchAll(pattern)) {
    out.push(match[1] ?? match[2]!);
  }
  return out;
}

/** The `npx mixnmatch …` lines of a PoC's README (its first `sh` block), as argument lists. */
function readmeCommands(poc: string): string[][] {
  const readme = readFileSync(path.join(POCS, poc, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error(`${poc}/README.md has no sh block`);
  return block[1]!
    .split('\n')
    .filter((line) => line.startsWith('npx mixnmatch '))
    .map((line) => words(line).slice(2));
}

/** The victim (`-p 58080`) and the attacker (`-p 58081`) of a PoC, on free ports. */
interface Sites {
  victim: string;
  attacker: string;
  victimProcess: Child;
}

const running: Child[] = [];
/** What a test set up on the shared browser context, undone after it. */
const afterTest: (() => void)[] = [];

/**
 * Starts a PoC's servers exactly as its README does, in its folder, with
 * free ports in place of 58080 and 58081: the attacker first, so that the
 * victim's `--allowed-origins http://localhost:58081` can name its port.
 * `victimArg` changes the victim's arguments (a variant of the recipe).
 */
async function startPoc(
  poc: string,
  victimArg: (arg: string) => string = (arg) => arg,
): Promise<Sites> {
  const commands = readmeCommands(poc);
  const port = (args: string[]) => args[args.indexOf('-p') + 1];
  const attackerArgs = commands.find((args) => port(args) === '58081');
  const victimArgs = commands.find((args) => port(args) === '58080');
  if (!attackerArgs || !victimArgs) throw new Error(`${poc}: no -p 58080 and -p 58081 commands`);
  const cwd = path.join(POCS, poc);
  const launch = async (args: string[]) => {
    const child = start(args, cwd);
    running.push(child);
    return { child, url: (await serverUrl(child)).replace(/\/$/, '') };
  };
  const attacker = await launch(attackerArgs.map((arg) => (arg === '58081' ? '0' : arg)));
  const attackerPort = new URL(attacker.url).port;
  const victim = await launch(
    victimArgs.map((arg) =>
      arg === '58080'
        ? '0'
        : victimArg(arg).replace('http://localhost:58081', `http://localhost:${attackerPort}`),
    ),
  );
  expect(victim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return {
    victim: victim.url,
    // The attacker's site, as the READMEs name it: another site than 127.0.0.1.
    attacker: `http://localhost:${attackerPort}`,
    victimProcess: victim.child,
  };
}

/** Saves `file` as a page of the server at `base`'s /cache, as the READMEs' curl lines do; resolves with its name. */
async function cachePage(base: string, type: string, data: string): Promise<string> {
  const name = await (await fetch(`${base}/cache/new`)).text();
  const saved = await fetch(`${base}/cache/${name}`, {
    method: 'POST',
    body: new URLSearchParams({ data, type }),
  });
  expect(saved.status).toBe(204);
  return name;
}

/** The text of `selector` once the page has marked it done (`data-status` or another attribute). */
async function doneText(page: Page, selector: string): Promise<string> {
  await page.locator(selector).waitFor();
  return (await page.locator(selector).textContent()) ?? '';
}

describe('the proofs of concept, in Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    // One browser for the suite. Its profile allows third-party cookies, the
    // setting the CORS read needs (Chromium blocks them by default).
    profile = mkdtempSync(path.join(tmpdir(), 'mixnmatch-chromium-'));
    mkdirSync(path.join(profile, 'Default'));
    writeFileSync(
      path.join(profile, 'Default', 'Preferences'),
      JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }),
    );
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        // lan.test: a host that is not loopback, over plain http (no Fetch Metadata).
        args: [
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--host-resolver-rules=MAP lan.test 127.0.0.1',
        ],
      });
    } catch (err) {
      throw new Error(
        `Chromium did not start from ${CHROMIUM} (.ci/run installs Debian's chromium package): ${(err as Error).message}`,
        { cause: err },
      );
    }
  });

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const undo of afterTest.splice(0)) undo();
    await context.clearCookies();
    for (const page of context.pages()) await page.close();
    await Promise.all(
      running.splice(0).map((child) => {
        child.process.kill('SIGTERM');
        return child.exited;
      }),
    );
  });

  it('reflect: a /response-headers echo never runs a script, whatever list of types the query sets', async () => {
    const child = start(['-p', '0', '--reflect']);
    running.push(child);
    const base = (await serverUrl(child)).replace(/\/$/, '');
    const page = await context.newPage();
    for (const type of [
      'text/plain;, text/html',
      'text/plain, text/html',
      'text/html',
      'text/plain',
    ]) {
      const params = new URLSearchParams({
        'Content-Type': type,
        x: '<script>window.ran = true</script>',
      });
      const response = await page.goto(`${base}/response-headers?${params}`);
      expect(response?.status()).toBe(200);
      expect({
        type,
        ran: await page.evaluate(() => (globalThis as { ran?: boolean }).ran ?? false),
      }).toEqual({
        type,
        ran: false,
      });
    }
  });

  it('capture-bin: a page a bin serves runs no script, so it cannot use the dashboard on its origin', async () => {
    const child = start(['-p', '0', '--capture']);
    running.push(child);
    const base = (await serverUrl(child)).replace(/\/$/, '');
    const made = await fetch(`${base}/bin/new`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        headers: { 'Content-Type': 'text/html' },
        body: "<title>bin</title><script>window.ran = true; fetch('/_mixnmatch/api/bins').then((r) => (document.title = 'read ' + r.status))</script>",
      }),
    });
    const { url } = (await made.json()) as { url: string };
    const page = await context.newPage();
    const dashboardCalls: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/_mixnmatch/')) dashboardCalls.push(req.url());
    });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('bin');
    expect(await page.evaluate(() => (globalThis as { ran?: boolean }).ran ?? false)).toBe(false);
    expect(dashboardCalls).toEqual([]);
  });

  it('capture-bin: a page of the dashboard’s own origin cannot read it: not by fetch, frame, popup nor service worker', async () => {
    const child = start(['-p', '0', '--capture']);
    running.push(child);
    const base = (await serverUrl(child)).replace(/\/$/, '');
    // Any page of the origin runs what a page /echo or /cache serves may run.
    const page = await context.newPage();
    await page.goto(`${base}/cache/new`);
    // (Scripts as text: the tests are typed without the DOM's names.)
    const reads = await page.evaluate(`(async () => {
      const status = (url) => fetch(url).then((r) => r.status);
      const frame = document.createElement('iframe');
      const framed = new Promise((resolve) => {
        frame.onload = () => {
          try {
            resolve(frame.contentDocument?.documentElement.dataset.key ?? 'no key');
          } catch (err) {
            resolve('blocked: ' + err.name);
          }
        };
      });
      frame.src = '/_mixnmatch/';
      document.body.append(frame);
      // A script the cache serves as JavaScript (at the root, or with
      // Service-Worker-Allowed, its scope would take in the dashboard).
      await fetch('/cache/sw', {
        method: 'POST',
        body: new URLSearchParams({ data: 'self.onfetch = () => {};', type: 'text/javascript' }),
      });
      const worker = await navigator.serviceWorker.register('/cache/sw').then(
        () => 'registered',
        (err) => 'refused: ' + err.name,
      );
      return {
        api: await status('/_mixnmatch/api/bins'),
        page: await status('/_mixnmatch/'),
        frame: await framed,
        worker,
      };
    })()`);
    expect(reads).toEqual({
      api: 403,
      page: 403,
      frame: 'no key',
      worker: 'refused: TypeError',
    });
    // A popup it opens is a page of its own: no handle on it.
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.evaluate(`window.popup = window.open('/_mixnmatch/')`),
    ]);
    await popup.locator('#status[data-state="live"], #status[data-state="down"]').waitFor();
    expect(await popup.locator('#status').getAttribute('data-state')).toBe('live');
    expect(
      await page.evaluate(`(() => {
        try {
          return popup.closed ? 'closed' : (popup.document.documentElement.dataset.key ?? 'none');
        } catch (err) {
          return 'blocked: ' + err.name;
        }
      })()`),
    ).toBe('closed');
  });

  it('capture-bin: with a token over plain http, the page works from the token’s URL and a page of the origin still cannot read it', async () => {
    const token = 'a-token-for-the-lan-test';
    const child = start(['-p', '0', '--capture', '--capture-token', token]);
    running.push(child);
    const port = new URL(await serverUrl(child)).port;
    const lan = `http://lan.test:${port}`;
    const dashboard = await context.newPage();
    await dashboard.goto(`${lan}/_mixnmatch/?token=${token}`);
    await dashboard.locator('#status[data-state="live"]').waitFor();
    // The key left the address bar; the token never stayed in it.
    expect(dashboard.url()).toBe(`${lan}/_mixnmatch/`);
    await dashboard.locator('#new-bin').click();
    await dashboard
      .locator('#hits-title')
      .filter({ hasText: /^Hits of / })
      .waitFor();
    // Another page of the origin, in the same browser (with the cookie).
    const page = await context.newPage();
    await page.goto(`${lan}/cache/new`);
    const reads = await page.evaluate(`(async () => ({
      api: (await fetch('/_mixnmatch/api/bins')).status,
      key: /data-key/.test(await (await fetch('/_mixnmatch/')).text()),
    }))()`);
    expect(reads).toEqual({ api: 403, key: false });
  });

  it('capture-bin: a cross-site page’s fetch, img, form post and beacon appear live in the inspection page, where captured script never runs', async () => {
    const { victim, attacker } = await startPoc('capture-bin');
    const bin = (await (await fetch(`${victim}/bin/new`)).json()) as { id: string; url: string };
    const dashboard = await context.newPage();
    const dialogs: string[] = [];
    dashboard.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const planted: string[] = [];
    const watch = (req: { url(): string }) => {
      if (req.url().includes('planted')) planted.push(req.url());
    };
    context.on('request', watch);
    afterTest.push(() => context.off('request', watch));
    await dashboard.goto(`${victim}/_mixnmatch/`);
    await dashboard.locator('#status[data-state="live"]').waitFor();
    expect(await dashboard.locator('#hits-title').textContent()).toBe(`Hits of ${bin.id}`);

    // The bin's feed, read here too: when a hit is captured, whenever the browser sends it (a beacon may wait).
    const feed = await openStream(`${victim}/_mixnmatch/api/bins/${bin.id}/feed`);
    const page = await context.newPage();
    await page.goto(`${attacker}/?bin=${bin.url}`);
    await page.locator('#done[data-status="done"]').waitFor();
    const rows = dashboard.locator('#hit-table tbody tr');
    const labels = new Set<string>();
    // A hit the browser never sends fails here with what did come, not at jest's timeout.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`only ${[...labels].join(', ')} were captured in 10 s`)),
        10_000,
      );
    });
    try {
      for (let count = 1; labels.size < 4; count++) {
        const events = await Promise.race([feed.until(count), late]);
        const { label } = JSON.parse(events[count - 1]!.data) as { label: string };
        labels.add(label);
        // Each hit is in the open page's live table within a second of being captured.
        await rows.filter({ hasText: label }).first().waitFor({ timeout: 1000 });
      }
    } finally {
      clearTimeout(timer);
    }
    feed.close();
    expect([...labels].sort()).toEqual(['beacon', 'fetch', 'form', 'img']);
    const fetchRow = rows.filter({ hasText: 'fetch' }).first();
    await fetchRow.click();
    expect(await dashboard.locator('#body-text').textContent()).toContain('"stolen"');
    expect(await dashboard.locator('#headers').textContent()).toContain(attacker);

    // A hit whose body and headers carry script: shown as text, never run.
    const hostile = `<img src=x onerror="alert('body')"><script>fetch('${attacker}/planted-body')</script>`;
    await fetch(`${bin.url}/hostile`, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/html',
        'X-Evil': `<script>alert('header')</script><img src="${attacker}/planted-header">`,
      },
      body: hostile,
    });
    const hostileRow = rows.filter({ hasText: 'hostile' }).first();
    await hostileRow.waitFor({ timeout: 1000 });
    await hostileRow.click();
    expect(await dashboard.locator('#body-text').textContent()).toBe(hostile);
    expect(await dashboard.locator('#headers').textContent()).toContain(
      "<script>alert('header')</script>",
    );
    await dashboard.screenshot({
      path: path.join(tmpdir(), 'mixnmatch-capture-dashboard.png'),
      fullPage: true,
    });
    expect(dialogs).toEqual([]);
    expect(planted).toEqual([]);
  });

  it('cors-read: a page on localhost reads a protected file on 127.0.0.1 with credentials, with and without a preflight', async () => {
    const { victim, attacker, victimProcess } = await startPoc('cors-read');
    expect(victimProcess.stdout()).toContain('SameSite=None; Secure');
    const page = await context.newPage();
    await page.goto(`${victim}/login`);
    await page.goto(`${attacker}/?victim=${victim}`);

    const secret = '200 { "owner": "victim", "apiKey": "s3cr3t-4p1-k3y" }';
    expect((await doneText(page, '#simple[data-status]')).trim()).toBe(secret);
    expect((await doneText(page, '#preflight[data-status]')).trim()).toBe(secret);
    const sent = JSON.parse((await doneText(page, '#sent[data-status]')).replace(/^200 /, ''));
    expect(sent.headers).toMatchObject({
      Cookie: [expect.stringMatching(/^SESSION=[0-9a-f]+$/)],
      Origin: [attacker],
      'Sec-Fetch-Site': ['cross-site'],
      'Sec-Fetch-Mode': ['cors'],
    });
  });

  it('cors-read: without a session the same reads get 401', async () => {
    const { victim, attacker } = await startPoc('cors-read');
    const page = await context.newPage();
    await page.goto(`${attacker}/?victim=${victim}`);
    expect(await doneText(page, '#simple[data-status]')).toMatch(/^401 /);
    expect(await doneText(page, '#preflight[data-status]')).toMatch(/^401 /);
  });

  it('csrf-form: a cross-site form post lands on a protected path with the victim’s cookie', async () => {
    const { victim, attacker } = await startPoc('csrf-form');
    const page = await context.newPage();
    await page.goto(`${victim}/login`);
    await page.goto(`${attacker}/?victim=${victim}`);
    await page.waitForURL(`${victim}/anything/account/email`);
    const landed = JSON.parse((await page.locator('body').textContent()) ?? '');
    expect(landed).toMatchObject({
      method: 'POST',
      form: { email: ['attacker@evil.test'] },
      headers: {
        Cookie: [expect.stringMatching(/^SESSION=[0-9a-f]+$/)],
        Origin: [attacker],
        'Sec-Fetch-Site': ['cross-site'],
        'Sec-Fetch-Mode': ['navigate'],
      },
    });
  });

  it('csrf-form: with --same-site lax the forged post goes without the cookie: 401', async () => {
    const { victim, attacker, victimProcess } = await startPoc('csrf-form', (arg) =>
      arg === 'none' ? 'lax' : arg,
    );
    expect(victimProcess.stdout()).toContain('SameSite=Lax');
    const page = await context.newPage();
    await page.goto(`${victim}/login`);
    const [response] = await Promise.all([
      page.waitForResponse(`${victim}/anything/account/email`),
      page.goto(`${attacker}/?victim=${victim}`),
    ]);
    expect(response.status()).toBe(401);
  });

  it('open-redirect-cache: /goto and /redirect-to bounce to the cached payload, which runs on the victim’s origin', async () => {
    const { victim, attacker } = await startPoc('open-redirect-cache');
    const payload = readFileSync(path.join(POCS, 'open-redirect-cache', 'payload.html'), 'utf8');
    const name = await cachePage(victim, 'text/html', payload);
    const page = await context.newPage();
    for (const link of ['#via-goto', '#via-redirect-to']) {
      await page.goto(`${attacker}/?victim=${victim}&page=${name}`);
      await page.click(link);
      await page.waitForURL(`${victim}/cache/${name}`);
      expect(await page.locator('#where').textContent()).toBe(victim);
    }
    // The relative form takes the host from the Referer: the attacker's own origin.
    await page.goto(`${attacker}/?victim=${victim}&page=${name}`);
    await page.click('#via-referer');
    await page.waitForURL(`${attacker}/cache/${name}`);
  });

  it('token-theft: a payload on the victim’s origin steals the tokens; the attacker reads the API and rotates; reuse revokes the login', async () => {
    const { victim, attacker } = await startPoc('token-theft');
    const payload = readFileSync(path.join(POCS, 'token-theft', 'payload.html'), 'utf8');
    const name = await cachePage(victim, 'text/html', payload);
    const loot = await (await fetch(`${attacker}/cache/new`)).text();

    const app = await context.newPage();
    await app.goto(`${victim}/app.html`);
    await app.fill('input[name=password]', 'alice-in-tokenland');
    await app.click('#login button');
    expect(await doneText(app, '#account[data-status]')).toMatch(/^200 .*"balance": 1337/);

    const lure = await context.newPage();
    await lure.goto(`${victim}/cache/${name}?attacker=${attacker}&loot=${loot}`);
    expect(await doneText(lure, '#sent[data-status]')).toBe('sent');

    const page = await context.newPage();
    await page.goto(`${attacker}/?victim=${victim}&loot=${loot}`);
    expect(await doneText(page, '#loot[data-status]')).toMatch(/^200 \{"access_token":"eyJ/);
    expect(await doneText(page, '#read[data-status]')).toMatch(/^200 .*"owner": "alice"/);
    expect(await doneText(page, '#refresh[data-status]')).toMatch(/^200 .*"refresh_token"/);

    // The victim's app presents the refresh token the attacker spent: the whole login is revoked.
    await app.click('#refresh');
    expect(await doneText(app, '#status[data-refresh]')).toMatch(/^refresh: 401 .*invalid_grant/);
    await page.click('#refresh-again');
    expect(await doneText(page, '#again[data-status]')).toMatch(/^401 .*invalid_grant/);
  });
});
