import { join } from 'node:path'
import { crashSuite } from './support/crash-suite.js'

crashSuite({ name: 'sqlite', target: (dir) => join(dir, 'runs.sqlite') })
