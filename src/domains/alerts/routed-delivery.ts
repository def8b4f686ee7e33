import { type Prepared, sortedJson } from './ingest-prepare.js';
import { formatLabelSet } from './matchers.js';
import { type AlertRouter, type GroupSettings, groupLabelsOf } from './routing.js';

/**
 * One group an alert joins, as routing decides it before any room is known: the route's settings and
 * the group's labels. The group key is `keyPrefix` then `@` and the room (groupKeyOf in routing.ts),
 * so the same routing serves whichever room the route's name turns out to be.
 */
export interface RoutedGroup {
  settings: GroupSettings;
  /** `routeKey:{labels}`: the group key without its room. */
  keyPrefix: string;
  /** The group's labels as canonical JSON (keys sorted, as stored with the group). */
  labelsJson: string;
  /** The group's `alertname` label, if it groups by it. */
  alertname: string | undefined;
}

/**
 * The groups of every alert of a delivery (one per route it takes), in the delivery's order. Alerts of
 * one group share one RoutedGroup object, found by their group_by values (nested maps: no string is
 * built per alert), and alerts that take the same groups share one array: a 100-alert delivery of
 * one group makes one group object and one array.
 */
export function routeAlerts(router: AlertRouter, prepared: readonly Prepared[]): RoutedGroup[][] {
  const groups = new DeliveryGroups();
  const out: RoutedGroup[][] = new Array(prepared.length);
  let last: RoutedGroup[] | undefined;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!;
    const settings = router.route(p.labels, p.senderGroupBy);
    let same = last !== undefined && last.length === settings.length;
    const list: RoutedGroup[] = new Array(settings.length);
    for (let r = 0; r < settings.length; r++) {
      const group = groups.of(settings[r]!, p);
      list[r] = group;
      if (same && last![r] !== group) same = false;
    }
    out[i] = same ? last! : list;
    last = out[i];
  }
  return out;
}

/** A delivery's groups by route and group_by values; all labels (`...`): by the canonical labels JSON. */
class DeliveryGroups {
  readonly #byRoute = new Map<GroupSettings, Map<string | undefined, unknown>>();

  of(settings: GroupSettings, p: Prepared): RoutedGroup {
    let level = this.#byRoute.get(settings);
    if (level === undefined) {
      level = new Map();
      this.#byRoute.set(settings, level);
    }
    const names = settings.groupBy;
    const depth = names === undefined ? 1 : names.length;
    for (let i = 0; i < depth - 1; i++) {
      const value = p.labels[names![i]!];
      let next = level.get(value) as Map<string | undefined, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const last = names === undefined ? p.labelsJson : depth === 0 ? undefined : p.labels[names[depth - 1]!];
    let group = level.get(last) as RoutedGroup | undefined;
    if (group === undefined) {
      group = routedGroup(settings, groupLabelsOf(settings, p.labels));
      level.set(last, group);
    }
    return group;
  }
}

export function routedGroup(settings: GroupSettings, labels: Record<string, string>): RoutedGroup {
  return {
    settings,
    keyPrefix: `${settings.routeKey}:${formatLabelSet(labels)}`,
    labelsJson: sortedJson(labels),
    alertname: labels.alertname,
  };
}
