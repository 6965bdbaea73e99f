import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { controlLayer, image, model } from '../../test-support/recall-fixtures.js';
import {
  controlLayerAdded,
  controlLayerModelChanged,
  controlLayersRecalled,
  controlLayerStepRangeChanged,
  layerMoved,
  rasterLayerAdded,
  type ControlLayer,
} from './canvasSlice.js';

const controls = (store: ReturnType<typeof createAppStore>) =>
  store.getState().canvas.layers.filter((l): l is ControlLayer => l.kind === 'control_layer');

describe('canvas slice', () => {
  it('makes a layer per recalled control layer, showing its image, adapter, weight, step range and mode', () => {
    const store = createAppStore();
    store.dispatch(
      controlLayersRecalled([controlLayer('canny', 'controlnet', { image: image('edges.png', 1024, 1024), weight: 0.75, end_step_percent: 0.8, control_mode: 'more_control' })]),
    );
    const [layer] = controls(store);
    expect(layer).toMatchObject({
      origin: 'recall',
      isEnabled: true,
      image: { image_name: 'edges.png', width: 1024, height: 1024 },
      adapter: { type: 'controlnet', weight: 0.75, beginEndStepPct: [0, 0.8], controlMode: 'more_control' },
    });
    expect(layer!.adapter.model?.name).toBe('canny');
  });

  it('takes the adapter type from the model type instead of forcing ControlNet', () => {
    const store = createAppStore();
    store.dispatch(controlLayersRecalled([controlLayer('sketch', 't2i_adapter'), controlLayer('depth-lora', 'control_lora', { control_mode: 'balanced' }), controlLayer('cn')]));
    expect(controls(store).map((l) => [l.adapter.type, l.adapter.controlMode])).toEqual([
      ['t2i_adapter', null],
      ['control_lora', null],
      ['controlnet', 'balanced'],
    ]);
  });

  it('replaces only the layers earlier recalls made: raster layers and the user’s control layers stay', () => {
    const store = createAppStore();
    store.dispatch(rasterLayerAdded(image('photo.png')));
    store.dispatch(controlLayersRecalled([controlLayer('first'), controlLayer('second')]));
    store.dispatch(controlLayerAdded());
    store.dispatch(controlLayersRecalled([controlLayer('third')]));
    const layers = store.getState().canvas.layers;
    expect(layers.map((l) => (l.kind === 'raster_layer' ? 'raster' : `${l.origin}:${l.adapter.model?.name ?? '-'}`))).toEqual(['user:-', 'recall:third', 'raster']);
  });

  it('puts recalled layers where the previous recalled ones were, in request order', () => {
    const store = createAppStore();
    store.dispatch(rasterLayerAdded(image('bottom.png')));
    store.dispatch(controlLayersRecalled([controlLayer('a')]));
    store.dispatch(rasterLayerAdded(image('top.png')));
    store.dispatch(controlLayersRecalled([controlLayer('x'), controlLayer('y')]));
    const names = store.getState().canvas.layers.map((l) => (l.kind === 'raster_layer' ? l.image?.image_name : l.adapter.model?.name));
    expect(names).toEqual(['top.png', 'x', 'y', 'bottom.png']);
  });

  it('keeps begin ≤ end when either end of the step range moves past the other', () => {
    const store = createAppStore();
    store.dispatch(controlLayersRecalled([controlLayer('a', 'controlnet', { begin_step_percent: 0.2, end_step_percent: 0.6 })]));
    const id = controls(store)[0]!.id;
    store.dispatch(controlLayerStepRangeChanged({ id, end: 'begin', value: 0.9 }));
    expect(controls(store)[0]!.adapter.beginEndStepPct).toEqual([0.9, 0.9]);
    store.dispatch(controlLayerStepRangeChanged({ id, end: 'end', value: 0.1 }));
    expect(controls(store)[0]!.adapter.beginEndStepPct).toEqual([0.1, 0.1]);
  });

  it('switches adapter type and control mode with the chosen model, and moves layers', () => {
    const store = createAppStore();
    store.dispatch(controlLayersRecalled([controlLayer('a'), controlLayer('b')]));
    const [a, b] = controls(store);
    store.dispatch(controlLayerModelChanged({ id: a!.id, model: model('t2i', 'sdxl', 't2i_adapter') }));
    expect(controls(store)[0]!.adapter).toMatchObject({ type: 't2i_adapter', controlMode: null });
    store.dispatch(controlLayerModelChanged({ id: a!.id, model: model('cn', 'sdxl', 'controlnet') }));
    expect(controls(store)[0]!.adapter).toMatchObject({ type: 'controlnet', controlMode: 'balanced' });
    store.dispatch(layerMoved({ id: b!.id, direction: 'up' }));
    expect(controls(store).map((l) => l.id)).toEqual([b!.id, a!.id]);
  });
});
