export * from './classification';
export * from './broker';
export * from './fetching';
export * from './parsing';
export * from './storage';
export * from './notify';
export * from './mail';
