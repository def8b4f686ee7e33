import type { DeployLockView, DeployView } from './schema.js';

declare module '../../core/events.js' {
  interface OpsroomEvents {
    /** A deploy (or rollback) began: for incident timelines ("what changed?"). */
    'deploy.started': { deploy: DeployView };
    'deploy.finished': { deploy: DeployView };
    'deploy.locked': { lock: DeployLockView };
    'deploy.unlocked': { lock: DeployLockView; by: string };
  }
}
