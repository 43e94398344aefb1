import { createContext, useContext } from 'react';

/** How much a node card shows: `detailed` adds the type's summary lines and the run chip; `compact` is title and ports (big pipelines). */
export type CardDetail = 'detailed' | 'compact';

export const CardDetailContext = createContext<CardDetail>('detailed');

export const useCardDetail = (): CardDetail => useContext(CardDetailContext);
