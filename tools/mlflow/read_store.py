"""Dump what an MLflow tracking store holds, as JSON on stdout, read through MLflow itself.

mlspec writes MLflow's ./mlruns layout without MLflow; its tests use this script to check that
MLflow reads back exactly what was written (experiments, runs, params, tags, full metric
histories, dataset inputs, artifacts). Works for any tracking URI MLflow accepts: a folder,
file:///..., or http://host:port.

    python tools/mlflow/read_store.py ./mlruns [--artifacts]
"""

import argparse
import json
import math
import os
import sys
import tempfile
import warnings


def number(value):
    # JSON has no NaN/Infinity; MLflow's protobuf JSON spells them as strings, and so do we.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def list_artifacts(client, run_id, path=None):
    files = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            files.extend(list_artifacts(client, run_id, info.path))
        else:
            files.append({"path": info.path, "size": info.file_size})
    return files


def read_artifact(run_id, artifact_path):
    import mlflow.artifacts

    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=artifact_path, dst_path=tmp)
        with open(local, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")


def dump_run(client, run, with_artifacts):
    info = run.info
    histories = {}
    for key in sorted(run.data.metrics):
        histories[key] = [
            {"value": number(m.value), "step": m.step, "timestamp": m.timestamp}
            for m in client.get_metric_history(info.run_id, key)
        ]
    inputs = []
    for dataset_input in run.inputs.dataset_inputs if run.inputs else []:
        dataset = dataset_input.dataset
        inputs.append(
            {
                "name": dataset.name,
                "digest": dataset.digest,
                "source_type": dataset.source_type,
                "source": dataset.source,
                "profile": dataset.profile,
                "schema": dataset.schema,
                "tags": {tag.key: tag.value for tag in dataset_input.tags},
            }
        )
    dumped = {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "user_id": info.user_id,
        "lifecycle_stage": info.lifecycle_stage,
        "artifact_uri": info.artifact_uri,
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
        "metrics": {key: number(value) for key, value in run.data.metrics.items()},
        "metric_history": histories,
        "inputs": sorted(inputs, key=lambda d: (d["tags"].get("mlflow.data.context", ""), d["name"])),
    }
    if with_artifacts:
        files = list_artifacts(client, info.run_id)
        dumped["artifacts"] = {f["path"]: read_artifact(info.run_id, f["path"]) for f in files}
    return dumped


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tracking_uri")
    parser.add_argument("--artifacts", action="store_true", help="include every artifact's content (as text)")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    import mlflow
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    uri = args.tracking_uri
    if "://" not in uri and not uri.startswith("file:"):
        uri = os.path.abspath(uri)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)

    experiments = []
    for experiment in client.search_experiments(view_type=ViewType.ALL):
        runs = mlflow.search_runs(
            experiment_ids=[experiment.experiment_id],
            run_view_type=ViewType.ALL,
            output_format="list",
            order_by=["attributes.start_time ASC"],
        )
        experiments.append(
            {
                "experiment_id": experiment.experiment_id,
                "name": experiment.name,
                "artifact_location": experiment.artifact_location,
                "lifecycle_stage": experiment.lifecycle_stage,
                "runs": [dump_run(client, run, args.artifacts) for run in runs],
            }
        )
    experiments.sort(key=lambda e: e["name"])
    json.dump({"experiments": experiments}, sys.stdout, indent=1, sort_keys=True, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
