import { jestPreset } from '../jest.preset.mjs';

// The end-to-end test starts the built apps, Prometheus and Alertmanager: minutes, not seconds.
export default jestPreset(import.meta.url, { testTimeout: 60_000 });
