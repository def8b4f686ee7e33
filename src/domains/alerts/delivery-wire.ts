import { ReceivedFacts } from './facts-wire.js';
import type { Prepared } from './ingest-prepare.js';
import type { RoutedGroup } from './routed-delivery.js';
import type { GroupSettings } from './routing.js';

/**
 * A delivery parsed and routed (by the parse thread) as it travels to the ingest thread: arrays of
 * strings and numbers only. A worker message copies an object with a labels map key by key (a
 * 100-alert delivery as objects cost the receiving thread about what parsing its JSON did), and even
 * a string costs about 0.3 us to write out and as much to read back on these machines; so the fields
 * that repeat across a delivery's alerts (start, end, link, name, severity: usually one or two values
 * each) travel once, in `values`, and each alert names them by index. The labels travel as their
 * canonical JSON; the ingest thread never needs them as a map (routing and group keys were done
 * before), so it never parses them.
 */
export interface PackedDelivery {
  fingerprint: string[];
  labelsJson: string[];
  annotationsJson: string[];
  firing: Uint8Array;
  /** The distinct values of the repeated fields; an index below 0: NULL_VALUE or UNDEFINED_VALUE. */
  values: string[];
  /** Per alert, its REPEATED fields' indexes into `values`, in that order. */
  repeated: Int32Array;
  /** The distinct route settings of the delivery, as JSON. */
  settings: string[];
  /** The distinct groups: index into `settings`, key without room, labels JSON, alertname. */
  groupSettings: number[];
  groupKeyPrefix: string[];
  groupLabelsJson: string[];
  groupAlertname: (string | undefined)[];
  /** The distinct lists of groups (indexes into the group arrays), and each alert's list. */
  routeLists: number[][];
  routeListOf: Int32Array;
}

/** startsAt, endsAt, generatorUrl, alertname, severity. */
const REPEATED = 5;
const NULL_VALUE = -1;
const UNDEFINED_VALUE = -2;

/** The distinct values of a delivery's repeated fields, each written once. */
class ValueTable {
  readonly values: string[] = [];
  readonly #index = new Map<string, number>();

  indexOf(value: string | null | undefined): number {
    if (value === null) return NULL_VALUE;
    if (value === undefined) return UNDEFINED_VALUE;
    let at = this.#index.get(value);
    if (at === undefined) {
      at = this.values.length;
      this.values.push(value);
      this.#index.set(value, at);
    }
    return at;
  }
}

const settingsJson = new WeakMap<GroupSettings, string>();

export function packDelivery(
  prepared: readonly Prepared[],
  routes: readonly RoutedGroup[][],
): PackedDelivery {
  const n = prepared.length;
  const table = new ValueTable();
  const repeated = new Int32Array(n * REPEATED);
  const packed: PackedDelivery = {
    fingerprint: [],
    labelsJson: [],
    annotationsJson: [],
    firing: new Uint8Array(n),
    values: table.values,
    repeated,
    settings: [],
    groupSettings: [],
    groupKeyPrefix: [],
    groupLabelsJson: [],
    groupAlertname: [],
    routeLists: [],
    routeListOf: new Int32Array(n),
  };
  const settingsIndex = new Map<GroupSettings, number>();
  const groupIndex = new Map<RoutedGroup, number>();
  const listIndex = new Map<readonly RoutedGroup[], number>();
  for (let i = 0; i < n; i++) {
    const p = prepared[i]!;
    // Pushed, not set by index: an array made with `new Array(n)` has holes for V8, and a message
    // writes such an array out slowly (property by property).
    packed.fingerprint.push(p.fingerprint);
    packed.labelsJson.push(p.labelsJson);
    packed.annotationsJson.push(p.annotationsJson);
    packed.firing[i] = p.status === 'firing' ? 1 : 0;
    const r = i * REPEATED;
    repeated[r] = table.indexOf(p.startsAt);
    repeated[r + 1] = table.indexOf(p.endsAt);
    repeated[r + 2] = table.indexOf(p.generatorUrl);
    repeated[r + 3] = table.indexOf(p.alertname);
    repeated[r + 4] = table.indexOf(p.severity);
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
class ReceivedAlert extends ReceivedFacts implements Prepared {
  readonly senderGroupBy = undefined;

  constructor(
    labelsJson: string,
    readonly annotationsJson: string,
    fingerprint: string,
    alertname: string,
    severity: string,
    readonly status: 'firing' | 'resolved',
    readonly startsAt: string | undefined,
    readonly endsAt: string | null,
    readonly generatorUrl: string | null,
  ) {
    super(fingerprint, alertname, severity, labelsJson);
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
  const { values, repeated } = packed;
  const value = (at: number): string | null | undefined =>
    at >= 0 ? values[at] : at === NULL_VALUE ? null : undefined;
  const prepared: Prepared[] = new Array(n);
  const routes: RoutedGroup[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * REPEATED;
    prepared[i] = new ReceivedAlert(
      packed.labelsJson[i]!,
      packed.annotationsJson[i]!,
      packed.fingerprint[i]!,
      value(repeated[r + 3]!) as string,
      value(repeated[r + 4]!) as string,
      packed.firing[i] === 1 ? 'firing' : 'resolved',
      value(repeated[r]!) as string | undefined,
      value(repeated[r + 1]!) as string | null,
      value(repeated[r + 2]!) as string | null,
    );
    routes[i] = lists[packed.routeListOf[i]!]!;
  }
  return { prepared, routes };
}
