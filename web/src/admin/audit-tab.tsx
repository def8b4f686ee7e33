import { type FormEvent, Fragment, type ReactElement, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { AuditRecord } from '../api/types.js';
import { shortDate } from '../format.js';
import { toast } from '../state/store.js';

export function AuditTab(): ReactElement {
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [verify, setVerify] = useState<string>('');
  const [open, setOpen] = useState<number | null>(null);

  async function load(before?: number) {
    try {
      const r = await api.audit({
        limit: 50,
        ...(actor.trim() ? { actor: actor.trim() } : {}),
        ...(action.trim() ? { action: action.trim() } : {}),
        ...(before ? { before } : {}),
      });
      setRecords((list) => (before ? [...list, ...r.records] : r.records));
      setNext(r.nextBefore);
    } catch (err) {
      toast(errorText(err));
    }
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page once
  useEffect(() => {
    void load();
  }, []);

  async function check() {
    setVerify('Verifying…');
    try {
      const r = await api.auditVerify();
      setVerify(r.ok ? `Chain intact: ${r.count} records.` : `Tampered at record ${r.seq}: ${r.reason}`);
    } catch (err) {
      setVerify(errorText(err));
    }
  }

  return (
    <section>
      <h1>Audit log</h1>
      <form
        className="inline-form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void load();
        }}
      >
        <input
          value={actor}
          onChange={(e) => setActor(e.target.value)}
          placeholder="Actor, e.g. alice"
          aria-label="Filter by actor"
        />
        <input
          value={action}
          onChange={(e) => setAction(e.target.value)}
          placeholder="Action, e.g. command.run"
          aria-label="Filter by action"
        />
        <button type="submit" className="btn primary">
          Filter
        </button>
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => void check()} data-testid="audit-verify">
          Verify chain
        </button>
        {verify && <span className={verify.startsWith('Chain intact') ? 'ok-text' : 'muted'}>{verify}</span>}
      </form>
      <div className="table-wrap">
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Decision</th>
              <th>Command</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <Fragment key={r.seq}>
                <tr className="clickable" onClick={() => setOpen(open === r.seq ? null : r.seq)}>
                  <td className="mono muted">{r.seq}</td>
                  <td className="muted nowrap">{shortDate(r.at)}</td>
                  <td>
                    {r.actor} <span className="muted small">{r.channel}</span>
                  </td>
                  <td className="mono">{r.action}</td>
                  <td>
                    <span className={`tag decision-${r.decision}`}>{r.decision}</span>
                  </td>
                  <td className="mono ellipsis">{r.commandLine ?? ''}</td>
                  <td>{r.outcome ?? ''}</td>
                </tr>
                {open === r.seq && (
                  <tr className="detail-row">
                    <td colSpan={7}>
                      <pre>
                        {JSON.stringify(
                          {
                            args: parse(r.args),
                            detail: parse(r.detail),
                            decidedBy: r.decidedBy,
                            jobId: r.jobId,
                            roomId: r.roomId,
                            hash: r.hash,
                          },
                          null,
                          2,
                        )}
                      </pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {next !== null && (
        <button type="button" className="btn" onClick={() => void load(next)}>
          Older records
        </button>
      )}
    </section>
  );
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
