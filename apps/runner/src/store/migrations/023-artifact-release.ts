import type { Migration } from './migration';

/**
 * When no name points at an artifact any more (store/artifacts.ts deletes it a while after). An
 * artifact already unnamed before this column counts as released now.
 */
export const artifactRelease: Migration = {
  id: '023-artifact-release',
  up(db) {
    db.exec('ALTER TABLE artifacts ADD COLUMN released_at INTEGER');
    db.prepare('UPDATE artifacts SET released_at = ? WHERE NOT EXISTS (SELECT 1 FROM artifact_names n WHERE n.hash = artifacts.hash)').run(Date.now());
  },
};
