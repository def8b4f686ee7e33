import type { AlertFacts } from './ingest-classify.js';

/**
 * The alerts a delivery fired or resolved, as the ingest thread sends them to the main thread: one
 * array per field, the labels as the JSON stored with the alert. A list of objects with a labels map
 * each cost the thread about 100 µs per 100-alert delivery to copy (every object and key written one
 * by one), a tenth of its work; arrays of strings copy in a few microseconds.
 */
export interface PackedFacts {
  ids: number[];
  fingerprints: string[];
  alertnames: string[];
  severities: string[];
  labelsJson: string[];
}

export function packFacts(list: readonly { id: number; p: AlertFacts }[]): PackedFacts {
  const packed: PackedFacts = { ids: [], fingerprints: [], alertnames: [], severities: [], labelsJson: [] };
  for (const { id, p } of list) {
    packed.ids.push(id);
    packed.fingerprints.push(p.fingerprint);
    packed.alertnames.push(p.alertname);
    packed.severities.push(p.severity);
    packed.labelsJson.push(p.labelsJson);
  }
  return packed;
}

/**
 * An alert's facts as a thread receives them: its labels are parsed only if something reads them
 * (the main thread's announce, and the ingest thread's alerts, delivery-wire.ts).
 */
export class ReceivedFacts implements AlertFacts {
  #labels: Record<string, string> | undefined;

  constructor(
    readonly fingerprint: string,
    readonly alertname: string,
    readonly severity: string,
    readonly labelsJson: string,
  ) {}

  get labels(): Record<string, string> {
    this.#labels ??= JSON.parse(this.labelsJson) as Record<string, string>;
    return this.#labels;
  }
}

export function unpackFacts(packed: PackedFacts): { id: number; p: AlertFacts }[] {
  const out: { id: number; p: AlertFacts }[] = new Array(packed.ids.length);
  for (let i = 0; i < packed.ids.length; i++) {
    out[i] = {
      id: packed.ids[i]!,
      p: new ReceivedFacts(
        packed.fingerprints[i]!,
        packed.alertnames[i]!,
        packed.severities[i]!,
        packed.labelsJson[i]!,
      ),
    };
  }
  return out;
}
