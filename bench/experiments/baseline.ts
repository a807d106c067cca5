// Experiment control: preloads nothing, so `--experiment=baseline` runs the plain server with its
// results kept next to another experiment's, under bench/results/experiments/.
export {};
