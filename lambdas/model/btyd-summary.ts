/**
 * Pure helpers for the inputs of the "buy till you die" models. Customers with the same (x, t_x, T)
 * contribute the same likelihood term, so fits run on the distinct histories weighted by how many
 * customers share each one (Fader & Hardie's spreadsheets and lifetimes' `weights` do the same).
 */
import type { RfmData } from './btyd-types.js';

// Bits of a double, for hashing exact values (−0 is folded into +0 by the caller).
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

function mixBits(h: number, value: number): number {
  scratch[0] = value;
  let k = Math.imul((scratchBits[0] as number) ^ Math.imul(scratchBits[1] as number, 0x9e3779b1), 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  const mixed = Math.imul(k, 0x1b873593) ^ h;
  return Math.imul((mixed << 13) | (mixed >>> 19), 5) + 0xe6546b64;
}

/** Collapses identical (x, t_x, T) rows into weighted unique histories (lifetimes does this for speed): returns RfmData with weight, and for each input row the index of its unique row. */
export function collapseHistories(data: RfmData): {
  readonly unique: RfmData;
  readonly indexOf: Uint32Array;
} {
  const n = data.x.length;
  const indexOf = new Uint32Array(n);
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const weight: number[] = [];
  // Open addressing with linear probing; slots hold unique-row index + 1 (0 = empty). Load ≤ 1/2.
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const xi = (data.x[i] as number) + 0;
    const txi = (data.tx[i] as number) + 0;
    const Ti = (data.T[i] as number) + 0;
    const wi = data.weight ? (data.weight[i] as number) : 1;
    let slot = mixBits(mixBits(mixBits(0x2545f491, xi), txi), Ti) & mask;
    for (;;) {
      const held = slots[slot] as number;
      if (held === 0) {
        slots[slot] = x.length + 1;
        indexOf[i] = x.length;
        x.push(xi);
        tx.push(txi);
        T.push(Ti);
        weight.push(wi);
        break;
      }
      const u = held - 1;
      // Object.is so that NaN histories (invalid, rejected later by the likelihood) still collapse.
      if (Object.is(x[u], xi) && Object.is(tx[u], txi) && Object.is(T[u], Ti)) {
        indexOf[i] = u;
        weight[u] = (weight[u] as number) + wi;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return {
    unique: {
      x: Float64Array.from(x),
      tx: Float64Array.from(tx),
      T: Float64Array.from(T),
      weight: Float64Array.from(weight),
    },
    indexOf,
  };
}
