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

  route(labels: Readonly<Record<string, string>>): GroupSettings[] {
    const out: GroupSettings[] = [];
    this.#match(this.#root, labels, out);
    return out;
  }

  #match(route: CompiledRoute, labels: Readonly<Record<string, string>>, out: GroupSettings[]): boolean {
    if (!matchesAll(route.matchers, labels)) return false;
    let matchedChild = false;
    for (const child of route.children) {
      if (!this.#match(child, labels, out)) continue;
      matchedChild = true;
      if (!child.continue) break;
    }
    if (!matchedChild) out.push(route.settings);
    return true;
  }
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
