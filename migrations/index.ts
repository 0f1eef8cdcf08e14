import { InitialSchema1795303452549 } from './1795303452549-initial-schema';

/** Every migration, in order. Listed explicitly so builds and tests never depend on file globbing. */
export const MIGRATIONS = [InitialSchema1795303452549];
