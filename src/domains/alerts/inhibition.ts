import { type CompiledMatcher, compileAll, type Matcher, matchesAll } from './matchers.js';

/** An inhibit rule as configured (`alerts.inhibit_rules`). */
export interface InhibitRuleSpec {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

interface Rule {
  source: CompiledMatcher[];
  target: CompiledMatcher[];
  equal: string[];
  /** Firing source alerts by their `equal` label values: alert id → whether it also matches the target side. */
  sources: Map<string, Map<number, boolean>>;
}

type Labels = Readonly<Record<string, string>>;

function equalKey(equal: readonly string[], labels: Labels): string {
  let key = '';
  for (const name of equal) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

/**
 * Inhibition as Alertmanager does it: a firing alert matching a rule's source matchers mutes the
 * alerts matching its target matchers that share the `equal` labels. The firing source alerts are
 * indexed by their `equal` values, so the question is a Map lookup per rule, not a scan.
 * An alert matching both sides cannot be muted by another such alert (it would mute itself).
 * Scale-out note: the index is per process, fed by this node's ingestion and loaded at start.
 */
export class Inhibitor {
  readonly #rules: Rule[];

  constructor(specs: readonly InhibitRuleSpec[]) {
    this.#rules = specs.map((s) => ({
      source: compileAll(s.source),
      target: compileAll(s.target),
      equal: s.equal,
      sources: new Map(),
    }));
  }

  get empty(): boolean {
    return this.#rules.length === 0;
  }

  /** Records a firing alert (or forgets it with `firing: false`). */
  track(id: number, labels: Labels, firing: boolean): void {
    for (const rule of this.#rules) {
      if (!matchesAll(rule.source, labels)) continue;
      const key = equalKey(rule.equal, labels);
      let bucket = rule.sources.get(key);
      if (firing) {
        if (!bucket) {
          bucket = new Map();
          rule.sources.set(key, bucket);
        }
        bucket.set(id, matchesAll(rule.target, labels));
      } else if (bucket) {
        bucket.delete(id);
        if (bucket.size === 0) rule.sources.delete(key);
      }
    }
  }

  /** Whether a firing alert is inhibited by some other firing alert. */
  inhibited(id: number, labels: Labels): boolean {
    for (const rule of this.#rules) {
      if (!matchesAll(rule.target, labels)) continue;
      const bucket = rule.sources.get(equalKey(rule.equal, labels));
      if (!bucket) continue;
      const targetIsSource = matchesAll(rule.source, labels);
      for (const [sourceId, sourceIsTarget] of bucket) {
        if (sourceId === id) continue;
        if (targetIsSource && sourceIsTarget) continue;
        return true;
      }
    }
    return false;
  }
}
