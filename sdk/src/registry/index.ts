export {
  ENVELOPE_FORMAT,
  INDEX_FILE,
  MAX_INDEX_BYTES,
  openIndex,
  parseIndexPayload,
  signIndex,
  type IndexEnvelope,
  type RegistryIndex,
  type RegistryPackage,
  type RegistryVersion,
} from './index-document.js';
export { publishPackage, resignRegistry, DEFAULT_EXPIRES_DAYS, type PublishOptions, type PublishResult } from './publish.js';
