import { useEffect, useState } from 'react';
import { useApi } from '../components/ApiContext';
import type { Labels } from './deploy-api';

/** A pipeline's labels for badges; none when they cannot be read (badges are not worth an error). */
export function useLabels(pipeline: string, refreshKey: unknown = 0): Labels | undefined {
  const api = useApi();
  const [labels, setLabels] = useState<Labels>();
  useEffect(() => {
    let stale = false;
    api.deploy.labels(pipeline).then(
      (found) => !stale && setLabels(found),
      () => !stale && setLabels({}),
    );
    return () => {
      stale = true;
    };
  }, [api, pipeline, refreshKey]);
  return labels;
}
