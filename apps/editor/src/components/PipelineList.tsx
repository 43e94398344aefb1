import { Fragment, useRef, useState } from 'react';
import { ApiError, UnreachableError, type PipelineSummary } from '../lib/api';
import type { Route } from '../lib/route';
import { SignOutButton } from '../auth/SignOutButton';
import { useApi } from './ApiContext';
import { useToast } from './Toasts';
import { LoadMore } from './LoadMore';
import { usePages } from '../hooks/use-pages';
import { LabelPointers } from '../deploy/LabelPointers';
import { labelCallers } from '../deploy/label-callers';
import { DeleteRefused, type RefusedDelete } from '../deploy/DeleteRefused';

// As the runner checks a new pipeline's name: a slug that starts with a letter or digit (`patchbay run -x` would read an option).
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** `/`: every stored pipeline with its latest version and where its labels point; create, open, deploy, monitor, import, export, delete. */
export function PipelineList({ navigate }: { navigate: (route: Route) => void }) {
  const api = useApi();
  const toast = useToast();
  // A page at a time ("Load more"); a delete reloads from the first page.
  const [reloads, setReloads] = useState(0);
  const pages = usePages(api.pipelinesPage, String(reloads));
  const pipelines = pages.items;
  // an UnreachableError already says the runner did not answer
  const error = pages.error && (pages.error instanceof UnreachableError ? pages.error.message : `Could not reach the runner: ${pages.error.message}`);
  const [name, setName] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<string>();
  // a delete the runner refused because a labelled version of another pipeline calls it: why, and Delete anyway
  const [refusedDelete, setRefusedDelete] = useState<RefusedDelete>();
  const fileInput = useRef<HTMLInputElement>(null);

  const refresh = () => setReloads((n) => n + 1);

  const nameProblem = name && !NAME_PATTERN.test(name) ? 'a name is lower-case letters, digits and dashes, and starts with a letter or digit' : undefined;

  /** Opens a draft: nothing is stored until its first save, which makes version 1. */
  async function create() {
    if (!name || nameProblem) return;
    try {
      await api.latestVersion(name);
      toast(`a pipeline named "${name}" already exists`, 'error');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) navigate({ page: 'pipeline', name, draft: true });
      else toast((err as Error).message, 'error');
    }
  }

  async function importFile(file: File) {
    const [{ readDocumentFile }, { contentHash }] = await Promise.all([import('../lib/document-file'), import('@patchbay/core')]);
    const read = readDocumentFile(await file.text());
    if (!read.ok) return toast(`${file.name}: ${read.message}`, 'error');
    const doc = read.document;
    try {
      await api.createPipeline(doc);
      toast(`Imported ${doc.name} as version 1`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) return toast(`${file.name}: ${(err as Error).message}`, 'error');
      // the name exists: the file becomes its newest version, nothing is overwritten;
      // the same content as the latest version again makes no new version
      try {
        const latest = await api.latestVersion(doc.name);
        if (latest.contentHash === contentHash(doc)) {
          toast(`${file.name} is the same as version ${latest.number} of ${doc.name}: no new version was made`);
        } else {
          const saved = await api.saveVersion(doc.name, { document: doc, message: `Imported from ${file.name}`, baseVersion: latest.number });
          toast(`Imported ${doc.name} as version ${saved.number}`);
        }
      } catch (again) {
        return toast(`${file.name}: ${(again as Error).message}`, 'error');
      }
    }
    navigate({ page: 'pipeline', name: doc.name });
  }

  async function exportLatest(pipeline: PipelineSummary) {
    try {
      const [{ documentFileText, downloadText, exportFileName }, version] = await Promise.all([import('../lib/document-file'), api.latestVersion(pipeline.name)]);
      downloadText(exportFileName(pipeline.name, version.number), documentFileText(version.document));
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  async function remove(pipelineName: string, force = false) {
    setConfirmDelete(undefined);
    setRefusedDelete(undefined);
    try {
      await api.deletePipeline(pipelineName, force);
      refresh();
    } catch (err) {
      const callers = labelCallers(err);
      if (callers) setRefusedDelete({ name: pipelineName, callers, armed: false });
      else toast((err as Error).message, 'error');
    }
  }

  return (
    <main className="list-page" data-testid="pipeline-list">
      <h1>Patchbay</h1>
      <p className="muted">Pipelines of LLM calls, retrieval and tools: draw, run, version, evaluate, deploy and watch them.</p>
      <div className="actions">
        <div>
          <label htmlFor="new-name">New pipeline</label>
          <input
            id="new-name"
            data-testid="new-pipeline-name"
            placeholder="support-assistant"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && create()}
          />
        </div>
        <button className="primary" data-testid="create-pipeline" disabled={!name || !!nameProblem} onClick={create}>
          Create
        </button>
        <span className="spacer" />
        <button data-testid="import-button" onClick={() => fileInput.current?.click()}>
          Import JSON…
        </button>
        <SignOutButton />
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          data-testid="import-file"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) importFile(file);
          }}
        />
      </div>
      {nameProblem && <p className="error-text">{nameProblem}</p>}
      {error && <p className="error-text">{error}</p>}
      {pipelines && pipelines.length === 0 && <p className="muted">No pipelines yet: create one, or import a pipeline JSON file.</p>}
      {pipelines && pipelines.length > 0 && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Latest
                </th>
                <th scope="col">Deployed</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pipelines.map((p) => (
                <Fragment key={p.name}>
                  <tr data-testid={`pipeline-row-${p.name}`}>
                    <td>
                      <a
                        href={`/pipelines/${p.name}`}
                        className="pipeline-name"
                        data-testid={`open-${p.name}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate({ page: 'pipeline', name: p.name });
                        }}
                      >
                        {p.name}
                      </a>
                      {p.title && <div className="muted">{p.title}</div>}
                    </td>
                    <td className="num" data-testid={`latest-${p.name}`}>
                      v{p.latestVersion}
                    </td>
                    <td>
                      <a
                        href={`/pipelines/${p.name}/deploy`}
                        data-testid={`deploy-${p.name}`}
                        title={`Deploy ${p.name}: labels, promotion, history`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate({ page: 'deploy', name: p.name });
                        }}
                      >
                        {Object.keys(p.labels).length > 0 ? <LabelPointers labels={p.labels} testId={`labels-${p.name}`} /> : 'not deployed'}
                      </a>
                    </td>
                    <td className="muted">{p.updatedAt ? new Date(p.updatedAt).toLocaleString() : ''}</td>
                    <td>
                      {/* a flex box inside the cell: a flex cell leaves the table's grid and its columns misalign */}
                      <div className="row">
                      <button data-testid={`monitoring-${p.name}`} onClick={() => navigate({ page: 'monitoring', name: p.name })}>
                        Monitoring
                      </button>
                      <button data-testid={`export-${p.name}`} onClick={() => exportLatest(p)}>
                        Export
                      </button>
                      {confirmDelete === p.name ? (
                        <button className="danger" data-testid={`confirm-delete-${p.name}`} onClick={() => remove(p.name)}>
                          Really delete
                        </button>
                      ) : (
                        <button className="danger" onClick={() => setConfirmDelete(p.name)}>
                          Delete
                        </button>
                      )}
                      </div>
                    </td>
                  </tr>
                  {/* a refused delete is said under the row it is about, not below a long list */}
                  {refusedDelete?.name === p.name && (
                    <tr>
                      <td colSpan={5}>
                        <DeleteRefused refused={refusedDelete} onArm={(armed) => setRefusedDelete({ ...refusedDelete, armed })} onDelete={() => remove(refusedDelete.name, true)} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore more={pages.more} loading={pages.loading} onMore={pages.loadMore} what="pipelines" />
    </main>
  );
}
