/**
 * The optimal string alignment distance (see suggest.ts `editDistance`) of one word to many others,
 * bit-parallel: Hyyrö's extension of Myers' algorithm ("A bit-vector algorithm for computing
 * Levenshtein and Damerau edit distances", 2003). Each column of the distance matrix is two 32-bit
 * vectors, so a candidate costs a few operations per character instead of a row of cells: "did you
 * mean" asks it of every name a misspelt word could be. Words of at most 32 UTF-16 code units only.
 */
export const MAX_BIT_WORD = 32;

export class OsaBits {
  /** Per character code: the positions in the word where it occurs, as bits. */
  private readonly ascii = new Int32Array(128);
  private readonly other = new Map<number, number>();
  private readonly length: number;

  constructor(word: string) {
    if (word.length === 0 || word.length > MAX_BIT_WORD) {
      throw new RangeError(`OsaBits takes words of 1 to ${MAX_BIT_WORD} characters`);
    }
    this.length = word.length;
    for (let j = 0; j < word.length; j++) {
      const code = word.charCodeAt(j);
      if (code < 128) this.ascii[code]! |= 1 << j;
      else this.other.set(code, (this.other.get(code) ?? 0) | (1 << j));
    }
  }

  /** The distance from the word to `text` (exact, case-sensitive, by UTF-16 code unit). */
  distance(text: string): number {
    // Vertical deltas of the current column: +1 where vp, -1 where vn. Bits above the word's length
    // only ever carry upwards, so they never disturb the ones that count.
    let vp = -1;
    let vn = 0;
    let d0 = 0;
    let pmBefore = 0;
    let distance = this.length;
    const last = 1 << (this.length - 1);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const pm = code < 128 ? this.ascii[code]! : (this.other.get(code) ?? 0);
      // Transpositions: a match here whose neighbour matched the previous character.
      const transposed = ((~d0 & pm) << 1) & pmBefore;
      d0 = (((pm & vp) + vp) ^ vp) | pm | vn | transposed;
      let hp = vn | ~(d0 | vp);
      let hn = d0 & vp;
      if ((hp & last) !== 0) distance++;
      else if ((hn & last) !== 0) distance--;
      hp = (hp << 1) | 1;
      hn <<= 1;
      vp = hn | ~(d0 | hp);
      vn = hp & d0;
      pmBefore = pm;
    }
    return distance;
  }
}
