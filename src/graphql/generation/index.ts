/** `generate`: a generation charged to the caller's drawing account, through the generation service. */
import './generate.js';
