"""The course's models, each a normal ``nn.Module`` (or, for k-NN, a small fitted object)."""

from .knn import KNearestNeighbors
from .lenet import LeNet
from .linear_classifier import LinearClassifier
from .mlp import MLP
from .resnet import BasicBlock, PlainNet, ResNet
from .sequence import SequenceClassifier
from .vgg import VGG
from .word2vec import (
    Word2Vec,
    cbow_examples,
    negative_sampling_loss,
    skipgram_pairs,
    unigram_sampler,
)

__all__ = [
    "MLP", "LeNet", "VGG", "ResNet", "PlainNet", "BasicBlock", "SequenceClassifier", "Word2Vec",
    "negative_sampling_loss", "unigram_sampler", "skipgram_pairs", "cbow_examples",
    "LinearClassifier", "KNearestNeighbors",
]  # fmt: skip
