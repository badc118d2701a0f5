import { register } from 'node:module'

// Makes the packages named in AGENTLOOP_HIDE_PACKAGES (comma-separated) look uninstalled.
register('./hide-packages.mjs', import.meta.url, {
  data: { hidden: (process.env.AGENTLOOP_HIDE_PACKAGES ?? '').split(',').filter(Boolean) },
})
