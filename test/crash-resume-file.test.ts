import { join } from 'node:path'
import { crashSuite } from './support/crash-suite.js'

crashSuite({ name: 'file', target: (dir) => join(dir, 'store') })
