import type { PostgresMigration } from './migration';
import { schema } from './001-schema';
import { runValues } from './002-run-values';
import { artifacts } from './003-artifacts';
import { artifactRelease } from './004-artifact-release';
import { promotionOwner } from './005-promotion-owner';
import { promotionSoFar } from './006-promotion-so-far';
import { runDocuments } from './007-run-documents';
import { runsByStatus } from './008-runs-by-status';
import { runsByStatusAndSource } from './009-runs-by-status-and-source';
import { runsByVersion } from './010-runs-by-version';

export type { PostgresMigration } from './migration';

/** Every PostgreSQL migration, in any order (they sort by id). */
export const postgresMigrations: PostgresMigration[] = [schema, runValues, artifacts, artifactRelease, promotionOwner, promotionSoFar, runDocuments, runsByStatus, runsByStatusAndSource, runsByVersion];
