import { type ReactElement, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { JobView, JobWithOutput } from '../api/types.js';
import { useConfirm } from '../components/use-confirm.js';
import { duration, shortDate } from '../format.js';
import { toast } from '../state/store.js';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'];

export function JobsTab(): ReactElement {
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<JobWithOutput | null>(null);
  const selectedId = useRef<number | null>(null);
  const { dialog, ask } = useConfirm();

  async function load() {
    try {
      const r = await api.jobs({ limit: 100, ...(status ? { status } : {}) });
      setJobs(r.jobs);
    } catch (err) {
      toast(errorText(err));
    }
  }

  async function show(id: number) {
    selectedId.current = id;
    try {
      const job = await api.job(id);
      if (selectedId.current === id) setSelected(job);
    } catch (err) {
      toast(errorText(err));
    }
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on filter change, and every few seconds while open
  useEffect(() => {
    void load();
    const t = setInterval(() => {
      void load();
      if (selectedId.current !== null) void show(selectedId.current);
    }, 3000);
    return () => clearInterval(t);
  }, [status]);

  async function cancel(id: number) {
    const ok = await ask({
      title: `Cancel job #${id}`,
      body: 'Stop this job now? A script is sent SIGTERM, then SIGKILL.',
      confirmLabel: 'Cancel job',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.cancelJob(id);
      void load();
      void show(id);
    } catch (err) {
      toast(errorText(err));
    }
  }

  return (
    <section>
      {dialog}
      <h1>Jobs</h1>
      <div className="inline-form">
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status">
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'all statuses'}
            </option>
          ))}
        </select>
      </div>
      <div className={`jobs-split${selected ? ' open' : ''}`}>
        <div className="table-wrap">
          <table className="table" data-testid="jobs-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Command</th>
                <th>Status</th>
                <th>By</th>
                <th>Started</th>
                <th>Duration</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr
                  key={j.id}
                  className={`clickable${selected?.id === j.id ? ' selected' : ''}`}
                  onClick={() => void show(j.id)}
                >
                  <td className="mono">{j.id}</td>
                  <td className="mono ellipsis">{j.line}</td>
                  <td>
                    <span className={`status-badge status-${j.status.replace('_', '-')}`}>
                      {j.status.replace('_', ' ')}
                    </span>
                  </td>
                  <td>{j.requester}</td>
                  <td className="muted nowrap">{shortDate(j.startedAt ?? j.createdAt)}</td>
                  <td className="muted">{j.durationMs !== null ? duration(j.durationMs) : ''}</td>
                  <td className="right">
                    {(j.status === 'running' || j.status === 'queued') && (
                      <button
                        type="button"
                        className="btn small danger"
                        onClick={(e) => {
                          e.stopPropagation();
                          void cancel(j.id);
                        }}
                      >
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              ))}
              {jobs.length === 0 && (
                <tr>
                  <td colSpan={7} className="muted">
                    No jobs yet. Commands such as <code>/echo</code> run as jobs.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {selected && (
          <div className="job-log" data-testid="job-log">
            <header>
              <strong>
                Job #{selected.id}: <span className="mono">{selected.line}</span>
              </strong>
              <button
                type="button"
                className="btn small"
                onClick={() => {
                  selectedId.current = null;
                  setSelected(null);
                }}
              >
                Close
              </button>
            </header>
            <div className="muted small">
              {selected.status} · exit {selected.exitCode ?? '–'} · {selected.outputBytes} bytes
              {selected.outputTruncated ? ' (middle cut)' : ''}
            </div>
            <pre className="job-output tall">{selected.output || '(no output)'}</pre>
          </div>
        )}
      </div>
    </section>
  );
}
