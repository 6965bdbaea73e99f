import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { ModelSelect } from '../../components/ModelSelect.js';
import { ParamNumber } from './ParamNumber.js';
import { refinerModelSelected } from './paramsSlice.js';

const MAIN = ['main'] as const;

/** The SDXL refiner's settings; the model list shows refiner models first. */
export function RefinerSection() {
  const dispatch = useAppDispatch();
  const refiner = useAppSelector((s) => s.params.refinerModel);
  return (
    <fieldset className="refiner">
      <legend>Refiner</legend>
      <ModelSelect
        label="Refiner model"
        types={MAIN}
        value={refiner}
        noneLabel="None"
        mainModel={{ key: '', name: 'SDXL Refiner', base: 'sdxl-refiner', type: 'main' }}
        onChange={(m) => dispatch(refinerModelSelected(m))}
      />
      <div className="grid-2">
        <ParamNumber field="refiner_steps" />
        <ParamNumber field="refiner_cfg_scale" />
        <ParamNumber field="refiner_positive_aesthetic_score" />
        <ParamNumber field="refiner_negative_aesthetic_score" />
      </div>
      <ParamNumber field="refiner_denoise_start" slider />
    </fieldset>
  );
}
