"""Trains the churn classifier: reads the training data folder, writes the model folder."""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--data", required=True)
parser.add_argument("--model", required=True)
args = parser.parse_args()

os.makedirs(args.model, exist_ok=True)
with open(os.path.join(args.model, "model.txt"), "w") as out:
    out.write(f"trained for {args.epochs} epochs on {args.data}\n")
print(f"model written to {args.model}")
