// Test helpers for TF.js fixtures: the devDependency @tensorflow/tfjs, and a
// model saved as model.json plus weight shards (the layout tfjs's file savers use).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tf = any;

/** @tensorflow/tfjs from the repo's devDependencies, or undefined when it is not installed. */
export function loadTfjs(): Tf | undefined {
  try {
    return createRequire(import.meta.url)('@tensorflow/tfjs') as Tf;
  } catch {
    return undefined;
  }
}

/** Saves a TF.js model as `dir`/model.json plus `shards` weight files; returns the model.json path. */
export async function saveTfjs(tf: Tf, model: Tf, dir: string, shards = 1): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts: Tf) => {
      const data = Buffer.from(
        Array.isArray(artifacts.weightData)
          ? tf.io.concatenateArrayBuffers(artifacts.weightData)
          : artifacts.weightData,
      );
      const size = Math.ceil(data.length / shards / 4) * 4;
      const paths: string[] = [];
      for (let i = 0; i < shards; i++) {
        const name = `group1-shard${i + 1}of${shards}.bin`;
        writeFileSync(join(dir, name), data.subarray(i * size, (i + 1) * size));
        paths.push(`./${name}`);
      }
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}
