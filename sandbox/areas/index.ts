import { Area } from '../server';
import { controlArea } from './control';
import { otdsArea } from './otds';
import { csCoreArea } from './cs-core';
import { messagingArea } from './messaging-auth';
import { bwsArea } from './bws';
import { workflowArea } from './workflow';
import { faxArea } from './fax';
import { pushArea } from './push';
import { appworksArea } from './appworks';
import { exstreamArea } from './exstream';
import { csNodesArea } from './cs-nodes';
import { rmArea } from './rm';
import { csVolumesArea } from './cs-volumes';

/** Every API area of the sandbox, in registration order (OTDS and CS core first). */
export const AREAS: Area[] = [
  controlArea,
  otdsArea,
  csCoreArea,
  messagingArea,
  // one line per area module below (keep this list in step with the imports above)
  bwsArea,
  workflowArea,
  faxArea,
  pushArea,
  appworksArea,
  exstreamArea,
  csNodesArea,
  rmArea,
  csVolumesArea,
];
