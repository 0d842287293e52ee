import type { Platform } from '../main.ts';

/** `rampart ledger simulate`: wired to the simulator once it lands (src/ledger/simulate-ledger.ts). */
export async function runSimulationCommand(
  _platform: Platform,
  _options: {
    seed?: string | undefined;
    steps?: string | undefined;
    onProgress: (done: number, total: number) => void;
  },
): Promise<number> {
  console.error('ledger simulate: not available in this build');
  return 2;
}
