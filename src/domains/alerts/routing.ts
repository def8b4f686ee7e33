import type { RouteConfig } from '../../config/alerts-schema.js';
import { type CompiledMatcher, compileAll, formatLabelSet, formatMatcher, matchesAll } from './matchers.js';

/** A route as the configuration gives it: one definition, in config/alerts-schema.ts. */
export type RouteSpec = RouteConfig;

/** What a matched route decides for an alert; children inherit what they do not set. */
export interface GroupSettings {
  routeId: string;
  /** Alertmanager's route key: `{}` for the root, then `/{matchers}` per level. */
  routeKey: string;
  /** A room name; undefined: the integration's room. */
  room: string | undefined;
  severity: string | undefined;
  /** Label names, or undefined for `...` (every label). */
  groupBy: string[] | undefined;
  /**
   * No route on the way here set `group_by`: the default applies, and an alert whose sender grouped it
   * (Alertmanager's, Grafana's `groupLabels`) keeps the sender's group instead.
   */
  groupByDefault: boolean;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  muteNotifications: boolean;
  /** Kept for the on-call work: the policy a page for this route starts. */
  escalationPolicy: string | undefined;
  /** Kept for the tickets work: ticket settings for this route. */
  ticket: Record<string, unknown> | undefined;
}

interface CompiledRoute {
  settings: GroupSettings;
  /** The settings with a sender's grouping, one object per set of label names (stable map keys). */
  bySender: Map<string, GroupSettings>;
  /** The last sender grouping seen and its settings: a delivery's alerts share one names array. */
  lastSender: { names: readonly string[]; settings: GroupSettings } | undefined;
  matchers: CompiledMatcher[];
  continue: boolean;
  children: CompiledRoute[];
}

/** Alertmanager's defaults. */
export const DEFAULT_GROUP_SETTINGS = {
  groupBy: ['alertname'],
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
};

function compile(spec: RouteSpec, parent: GroupSettings | undefined): CompiledRoute {
  const groupBy =
    spec.group_by === undefined ? parent?.groupBy : spec.group_by.includes('...') ? undefined : spec.group_by;
  const settings: GroupSettings = {
    routeId: spec.id,
    routeKey:
      parent === undefined ? '{}' : `${parent.routeKey}/{${spec.matchers.map(formatMatcher).join(',')}}`,
    room: spec.room ?? parent?.room,
    severity: spec.severity ?? parent?.severity,
    groupBy: parent === undefined && spec.group_by === undefined ? DEFAULT_GROUP_SETTINGS.groupBy : groupBy,
    groupByDefault: spec.group_by === undefined && (parent === undefined || parent.groupByDefault),
    groupWaitMs: spec.group_wait ?? parent?.groupWaitMs ?? DEFAULT_GROUP_SETTINGS.groupWaitMs,
    groupIntervalMs: spec.group_interval ?? parent?.groupIntervalMs ?? DEFAULT_GROUP_SETTINGS.groupIntervalMs,
    repeatIntervalMs:
      spec.repeat_interval ?? parent?.repeatIntervalMs ?? DEFAULT_GROUP_SETTINGS.repeatIntervalMs,
    muteNotifications: spec.mute_notifications ?? parent?.muteNotifications ?? false,
    escalationPolicy: spec.escalation_policy ?? parent?.escalationPolicy,
    ticket: spec.ticket ?? parent?.ticket,
  };
  return {
    settings,
    bySender: new Map(),
    lastSender: undefined,
    matchers: compileAll(spec.matchers),
    continue: spec.continue,
    children: spec.routes.map((child) => compile(child, settings)),
  };
}

/**
 * The routing tree, compiled once. Like Alertmanager: the root matches everything; a route that
 * matches tries its children in order, stopping at the first that matches unless it says `continue`;
 * a route none of whose children match is itself the answer. Several answers (continue) mean the
 * alert is in several groups, each with its own card.
 */
export class AlertRouter {
  readonly #root: CompiledRoute;

  constructor(spec: RouteSpec) {
    this.#root = compile({ ...spec, matchers: [] }, undefined);
  }

  /**
   * The routes an alert takes. `senderGroupBy`: the label names its sender grouped it by; a route
   * with the default grouping groups by those instead, so the sender's groups stay one card each.
   */
  route(labels: Readonly<Record<string, string>>, senderGroupBy?: readonly string[]): GroupSettings[] {
    const out: GroupSettings[] = [];
    this.#match(this.#root, labels, senderGroupBy, out);
    return out;
  }

  #match(
    route: CompiledRoute,
    labels: Readonly<Record<string, string>>,
    senderGroupBy: readonly string[] | undefined,
    out: GroupSettings[],
  ): boolean {
    if (!matchesAll(route.matchers, labels)) return false;
    let matchedChild = false;
    for (const child of route.children) {
      if (!this.#match(child, labels, senderGroupBy, out)) continue;
      matchedChild = true;
      if (!child.continue) break;
    }
    if (!matchedChild) out.push(settingsFor(route, senderGroupBy));
    return true;
  }
}

function settingsFor(route: CompiledRoute, senderGroupBy: readonly string[] | undefined): GroupSettings {
  if (senderGroupBy === undefined || !route.settings.groupByDefault) return route.settings;
  if (route.lastSender?.names === senderGroupBy) return route.lastSender.settings;
  const names = [...senderGroupBy].sort();
  const key = names.join('\u0000');
  let settings = route.bySender.get(key);
  if (settings === undefined) {
    settings = { ...route.settings, groupBy: names, groupByDefault: false };
    // A sender that makes a new set of group labels per body (group_by ['...'] on varying labels)
    // must not grow this without end: the objects are only a cache of equal values.
    if (route.bySender.size >= 1000) route.bySender.clear();
    route.bySender.set(key, settings);
  }
  route.lastSender = { names: senderGroupBy, settings };
  return settings;
}

/** The labels a group is made of: the route's group_by (missing ones left out), or all of them. */
export function groupLabelsOf(
  settings: GroupSettings,
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  if (settings.groupBy === undefined) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of settings.groupBy) {
    const value = labels[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Alertmanager's group key (`{}/{severity="critical"}:{alertname="X", service="y"}`), then `@` and the
 * room it notifies, so one key is one card in one room.
 */
export function groupKeyOf(
  settings: GroupSettings,
  groupLabels: Readonly<Record<string, string>>,
  roomId: string,
): string {
  return `${settings.routeKey}:${formatLabelSet(groupLabels)}@${roomId}`;
}
