import { useCallback, useState } from 'react';
import type { CardDetail } from '../components/card-detail';

const KEY = 'patchbay.cardDetail';

function stored(): CardDetail {
  try {
    return globalThis.localStorage?.getItem(KEY) === 'compact' ? 'compact' : 'detailed';
  } catch {
    return 'detailed'; // storage may be refused (private mode, a sandboxed page)
  }
}

/** The compact/detailed choice for node cards, kept across pipelines and reloads. */
export function useCardDetailSetting(): [CardDetail, () => void] {
  const [detail, setDetail] = useState<CardDetail>(stored);
  const toggle = useCallback(() => {
    setDetail((d) => {
      const next = d === 'detailed' ? 'compact' : 'detailed';
      try {
        globalThis.localStorage?.setItem(KEY, next);
      } catch {
        // kept for this page only
      }
      return next;
    });
  }, []);
  return [detail, toggle];
}
