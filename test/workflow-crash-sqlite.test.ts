import { join } from 'node:path'
import { workflowCrashSuite } from './support/workflow-crash-suite.js'

workflowCrashSuite({ name: 'sqlite', target: (dir, point) => join(dir, `workflow-crash-${point}.db`) })
