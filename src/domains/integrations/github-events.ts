/**
 * GitHub deliveries that other domains act on, published on the bus once `POST /hooks/github/:id` has
 * verified the delivery (HMAC-SHA256 in constant time, not stale, not replayed). The alerts work owns the
 * endpoint and the integrations; deploys consume `github.deployment_status`, alerts `github.workflow_run`.
 * Payload fields follow GitHub's webhook documentation (snake_case kept where it is GitHub's).
 */
export interface GithubDeliveryMeta {
  /** The Opsroom integration the delivery came through. */
  integrationId: string;
  /** `X-GitHub-Delivery`: unique per delivery; replays are rejected before publishing. */
  deliveryId: string;
  /** `owner/name`. */
  repository: string;
  /** The room the integration posts to, when it has one. */
  roomId: string | null;
}

export interface GithubDeploymentStatus extends GithubDeliveryMeta {
  deployment: {
    id: number;
    sha: string;
    ref: string;
    task: string;
    environment: string;
    /** The deployment's `payload`; Opsroom puts its own deploy id here as `opsroom_deploy_id`. */
    payload: Record<string, unknown>;
  };
  status: {
    /** `error`, `failure`, `inactive`, `in_progress`, `queued`, `pending` or `success`. */
    state: string;
    description: string | null;
    environment: string;
    target_url: string | null;
    log_url: string | null;
    environment_url: string | null;
  };
}

export interface GithubWorkflowRun extends GithubDeliveryMeta {
  action: string;
  run: {
    id: number;
    name: string;
    head_branch: string;
    head_sha: string;
    status: string;
    /** `success`, `failure`, `cancelled`, `timed_out`, … or null while running. */
    conclusion: string | null;
    html_url: string;
    run_attempt: number;
  };
}

declare module '../../core/events.js' {
  interface OpsroomEvents {
    'github.deployment_status': GithubDeploymentStatus;
    'github.workflow_run': GithubWorkflowRun;
  }
}
