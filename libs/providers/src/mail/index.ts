export * from './file-mail-transport';
export * from './mail-message';
export * from './mail-renderer';
export * from './mail-templates';
export * from './mail-transport';
export * from './mail.errors';
export * from './mail.module';
export * from './smtp-mail-transport';
