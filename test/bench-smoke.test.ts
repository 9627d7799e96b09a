// Runs `npm run bench` and `npm run soak` once each in a tiny smoke mode, so they cannot rot. Nothing here is timed.
import { HOSTILE_SIZES, runBench } from '../bench/bench';
import { HOSTILE_KINDS } from '../bench/hostile-paths';
import { SCENARIOS } from '../bench/scenarios';
import { runSoak } from '../bench/soak';

jest.setTimeout(90_000);

describe('the bench, in smoke mode', () => {
  it('runs every scenario, whose servers all answer alike and without failures', async () => {
    const lines: string[] = [];
    const result = await runBench({
      duration: 1,
      warmup: 0,
      rounds: 1,
      connections: 2,
      smoke: true,
      pin: false,
      log: (line) => lines.push(line),
    });
    expect(result.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
    for (const scenario of result.scenarios) {
      // The plain apps must do the same work: same status, headers and body.
      expect({ id: scenario.id, mismatches: scenario.mismatches }).toEqual({
        id: scenario.id,
        mismatches: [],
      });
      for (const variant of scenario.variants) {
        expect({ server: `${scenario.id} ${variant.name}`, failures: variant.failures }).toEqual({
          server: `${scenario.id} ${variant.name}`,
          failures: 0,
        });
        expect(variant.runs).toHaveLength(1);
      }
      expect(scenario.ratios.length).toBeGreaterThan(0);
    }
    expect(result.canonical.map((t) => t.bytes)).toEqual([1024, 4096, 16384]);
    // Every kind of hostile path answered, never with a 5xx (how long it took is the bench's business).
    expect(result.hostile.map((t) => t.label)).toEqual(HOSTILE_KINDS.map((k) => k.label));
    for (const timing of result.hostile) {
      expect([...timing.us.keys()]).toEqual([...HOSTILE_SIZES]);
      for (const status of timing.statuses) expect([400, 401]).toContain(status);
    }
    expect(result.heap.map((h) => [h.name, h.failures])).toEqual([
      ['mixnmatch', 0],
      ['plain', 0],
    ]);
    // Protected reads on two workers, with one Redis and with a cluster: every one answered.
    for (const run of [result.cluster!.single, result.cluster!.cluster]) {
      expect(run.requests).toBeGreaterThan(0);
      expect(run.statuses['200']).toBe(run.requests);
    }
    expect(lines.join('\n')).toContain('summary');
  });
});

describe('the soak, in smoke mode', () => {
  it('serves the whole mix from the built command without a 5xx, and the command stops cleanly', async () => {
    const lines: string[] = [];
    const result = await runSoak({ duration: 1, connections: 8, log: (line) => lines.push(line) });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.fiveXX).toBe(0);
    expect(result.unexpected).toEqual({});
    expect(result.exitCode).toBe(0);
    expect(lines.join('\n')).toContain('server RSS');
  });
});
