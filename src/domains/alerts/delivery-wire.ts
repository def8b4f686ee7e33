import type { Prepared } from './ingest-prepare.js';
import type { RoutedGroup } from './routed-delivery.js';
import type { GroupSettings } from './routing.js';

/**
 * A delivery parsed and routed (by the parse thread) as it travels to the ingest thread: one array per
 * field and strings only, since a worker message copies an array of strings in a few microseconds but
 * an object with a labels map key by key (a 100-alert delivery as objects cost the receiving thread
 * about what parsing its JSON did). The labels travel as their canonical JSON; the ingest thread never
 * needs them as a map (routing and group keys were done before), so it never parses them.
 */
export interface PackedDelivery {
  fingerprint: string[];
  startsAt: (string | undefined)[];
  firing: boolean[];
  endsAt: (string | null)[];
  generatorUrl: (string | null)[];
  labelsJson: string[];
  annotationsJson: string[];
  alertname: string[];
  severity: string[];
  /** The distinct route settings of the delivery, as JSON. */
  settings: string[];
  /** The distinct groups: index into `settings`, key without room, labels JSON, alertname. */
  groupSettings: number[];
  groupKeyPrefix: string[];
  groupLabelsJson: string[];
  groupAlertname: (string | undefined)[];
  /** The distinct lists of groups (indexes into the group arrays), and each alert's list. */
  routeLists: number[][];
  routeListOf: number[];
}

const settingsJson = new WeakMap<GroupSettings, string>();

export function packDelivery(
  prepared: readonly Prepared[],
  routes: readonly RoutedGroup[][],
): PackedDelivery {
  const n = prepared.length;
  const packed: PackedDelivery = {
    fingerprint: new Array(n),
    startsAt: new Array(n),
    firing: new Array(n),
    endsAt: new Array(n),
    generatorUrl: new Array(n),
    labelsJson: new Array(n),
    annotationsJson: new Array(n),
    alertname: new Array(n),
    severity: new Array(n),
    settings: [],
    groupSettings: [],
    groupKeyPrefix: [],
    groupLabelsJson: [],
    groupAlertname: [],
    routeLists: [],
    routeListOf: new Array(n),
  };
  const settingsIndex = new Map<GroupSettings, number>();
  const groupIndex = new Map<RoutedGroup, number>();
  const listIndex = new Map<readonly RoutedGroup[], number>();
  for (let i = 0; i < n; i++) {
    const p = prepared[i]!;
    packed.fingerprint[i] = p.fingerprint;
    packed.startsAt[i] = p.startsAt;
    packed.firing[i] = p.status === 'firing';
    packed.endsAt[i] = p.endsAt;
    packed.generatorUrl[i] = p.generatorUrl;
    packed.labelsJson[i] = p.labelsJson;
    packed.annotationsJson[i] = p.annotationsJson;
    packed.alertname[i] = p.alertname;
    packed.severity[i] = p.severity;
    const list = routes[i]!;
    let listAt = listIndex.get(list);
    if (listAt === undefined) {
      listAt = packed.routeLists.length;
      listIndex.set(list, listAt);
      packed.routeLists.push(list.map((group) => indexOfGroup(packed, group, groupIndex, settingsIndex)));
    }
    packed.routeListOf[i] = listAt;
  }
  return packed;
}

function indexOfGroup(
  packed: PackedDelivery,
  group: RoutedGroup,
  groupIndex: Map<RoutedGroup, number>,
  settingsIndex: Map<GroupSettings, number>,
): number {
  let at = groupIndex.get(group);
  if (at !== undefined) return at;
  let s = settingsIndex.get(group.settings);
  if (s === undefined) {
    s = packed.settings.length;
    settingsIndex.set(group.settings, s);
    let json = settingsJson.get(group.settings);
    if (json === undefined) {
      json = JSON.stringify(group.settings);
      settingsJson.set(group.settings, json);
    }
    packed.settings.push(json);
  }
  at = packed.groupSettings.length;
  groupIndex.set(group, at);
  packed.groupSettings.push(s);
  packed.groupKeyPrefix.push(group.keyPrefix);
  packed.groupLabelsJson.push(group.labelsJson);
  packed.groupAlertname.push(group.alertname);
  return at;
}

/** An alert as the ingest thread receives it: its labels are parsed only if something reads them. */
class ReceivedAlert implements Prepared {
  #labels: Record<string, string> | undefined;
  readonly senderGroupBy = undefined;

  constructor(
    readonly labelsJson: string,
    readonly annotationsJson: string,
    readonly fingerprint: string,
    readonly alertname: string,
    readonly severity: string,
    readonly status: 'firing' | 'resolved',
    readonly startsAt: string | undefined,
    readonly endsAt: string | null,
    readonly generatorUrl: string | null,
  ) {}

  get labels(): Record<string, string> {
    this.#labels ??= JSON.parse(this.labelsJson) as Record<string, string>;
    return this.#labels;
  }
}

/**
 * Route settings by their JSON, on the receiving thread: the same settings arrive as the same object
 * every time, as the write path keys its work by settings object. Bounded like the router's own cache.
 */
export class SettingsCache {
  readonly #byJson = new Map<string, GroupSettings>();

  of(json: string): GroupSettings {
    let settings = this.#byJson.get(json);
    if (settings === undefined) {
      settings = JSON.parse(json) as GroupSettings;
      if (this.#byJson.size >= 1000) this.#byJson.clear();
      this.#byJson.set(json, settings);
    }
    return settings;
  }
}

export function unpackDelivery(
  packed: PackedDelivery,
  settings: SettingsCache,
): { prepared: Prepared[]; routes: RoutedGroup[][] } {
  const groups: RoutedGroup[] = packed.groupSettings.map((s, g) => ({
    settings: settings.of(packed.settings[s]!),
    keyPrefix: packed.groupKeyPrefix[g]!,
    labelsJson: packed.groupLabelsJson[g]!,
    alertname: packed.groupAlertname[g],
  }));
  const lists = packed.routeLists.map((list) => list.map((g) => groups[g]!));
  const n = packed.fingerprint.length;
  const prepared: Prepared[] = new Array(n);
  const routes: RoutedGroup[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    prepared[i] = new ReceivedAlert(
      packed.labelsJson[i]!,
      packed.annotationsJson[i]!,
      packed.fingerprint[i]!,
      packed.alertname[i]!,
      packed.severity[i]!,
      packed.firing[i] ? 'firing' : 'resolved',
      packed.startsAt[i],
      packed.endsAt[i]!,
      packed.generatorUrl[i]!,
    );
    routes[i] = lists[packed.routeListOf[i]!]!;
  }
  return { prepared, routes };
}
