/**
 * The crash test (`scripts/chaos.ts`) as a recorded result: three runs with the defaults (2,000
 * readers, six SIGKILLs of the sender), each figure beside the bound the target sets.
 *
 *   npx tsx bench/chaos.bench.ts --runs 3 --readers 2000 --kills 6
 */
import { runChaos } from '../scripts/chaos.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

export default async function bench(argv: string[]): Promise<Figure[]> {
  const { runs, readers, kills } = numericFlags(argv, { runs: 3, readers: 2000, kills: 6 });
  const command = `npx tsx bench/chaos.bench.ts --runs ${runs} --readers ${readers} --kills ${kills}`;
  const lines: string[] = [];
  let duplicates = 0;
  let silent = 0;
  let unknown = 0;
  let bound = 0;
  let messages = 0;
  for (let run = 1; run <= runs; run++) {
    const result = await runChaos({ readers, kills });
    const sigkills = result.killPoints.filter((k) => k.killed).length;
    const last = `${result.lines.at(-1) ?? ''} (${sigkills} of ${kills} kills landed while sending)`;
    console.log(`run ${run}: ${last}`);
    lines.push(last);
    duplicates += result.duplicates;
    silent += result.silentMisses;
    unknown = Math.max(unknown, result.unknown);
    bound = result.unknownBound;
    messages += result.messages;
  }
  const notes = lines.map((l, i) => `run ${i + 1}: ${l}`).join('; ');
  return [
    {
      name: 'chaos duplicates',
      value: duplicates,
      unit: 'emails',
      baseline: messages,
      baselineName: `messages over ${runs} runs`,
      ratio: messages > 0 ? duplicates / messages : 0,
      higherIsBetter: false,
      command,
      notes,
    },
    {
      name: 'chaos unknown',
      value: unknown,
      unit: 'readers (most in a run)',
      baseline: bound,
      baselineName: 'bound: one per kill per concurrent SES call',
      ratio: bound > 0 ? unknown / bound : 0,
      higherIsBetter: false,
      command,
      notes: `never mailed but not unknown (silent misses) over ${runs} runs: ${silent}`,
    },
  ];
}

await runIfMain(import.meta.url, bench);
