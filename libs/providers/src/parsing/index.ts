export * from './content-sniffer';
export * from './csv-records';
export * from './json-records';
export * from './parsed-unit';
export * from './pdf-records';
export * from './text-decoding';
export * from './text-records';
export * from './url-list-records';
