"""Module, Parameter and containers: registration, traversal, modes, state dicts, repr, scopes."""

import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor
from autograd.backward import topological_order
from autograd.gates._common import pair
from nn import Parameter


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3))
        self.head = nn.Linear(3, 2, bias=False)
        self.scale = Parameter(ag.ones(1))
        self.register_buffer("steps", ag.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)) * self.scale


# --- Parameter ---------------------------------------------------------------------------------


def test_parameter_is_a_tensor_that_requires_grad_and_shares_storage():
    t = ag.tensor([1.0, 2.0])
    p = Parameter(t)
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    t.data[0] = 5.0
    assert p.data[0] == 5.0  # like torch.nn.Parameter(t): same storage
    assert not hasattr(p, "__dict__")  # slotted like Tensor
    assert Parameter(np.zeros(3)).dtype == np.float64
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        Parameter(np.arange(3))


def test_parameter_works_in_every_engine_path():
    p = Parameter(ag.tensor([1.0, -2.0, 3.0]))
    a, b = pair(p, 2.0)
    assert a is p and isinstance(b, Tensor) and b.dtype == np.float32
    a, b = pair(3.0, p)
    assert b is p and a.dtype == np.float32
    t = ag.tensor([2.0, 2.0, 2.0])
    out = (p * t + p / 2.0 - 1.0 + p**2 + ag.relu(p) + (p @ t) + ag.maximum(p, 0.0)).sum()
    assert type(out) is Tensor
    out.backward()
    # d/dp: t + 1/2 + 2p + relu'(p) + 3 t (the scalar p @ t is broadcast to 3) + max-route
    expected = 2 + 0.5 + 2 * p.data + (p.data > 0) + 3 * 2 + (p.data > 0)
    np.testing.assert_allclose(p.grad.data, expected, rtol=1e-6)
    # a Parameter on the right of a NumPy array and as an operand of where/getitem/concatenate
    q = Parameter(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    y = (np.ones((2, 2), dtype=np.float32) * q)[0].sum() + ag.concatenate([q, q]).sum()
    y = y + ag.where(q.data > 2, q, 0.0).sum()
    y.backward()
    np.testing.assert_allclose(q.grad.data, [[3, 3], [3, 3]])


def test_parameter_copy_and_pickle_keep_the_class_and_values():
    p = Parameter(ag.tensor([1.0, 2.0]))
    p.grad = ag.tensor([0.5, 0.5])
    d = copy.deepcopy(p)
    assert type(d) is Parameter and d is not p and d.requires_grad
    np.testing.assert_array_equal(d.data, p.data)
    d.data[0] = 9
    assert p.data[0] == 1.0
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is Parameter and r.data.tolist() == [1.0, 2.0]
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")


# --- registration and traversal ----------------------------------------------------------------


def test_named_parameters_buffers_children_and_modules():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "scale",
        "features.0.weight",
        "features.0.bias",
        "features.2.weight",
        "features.2.bias",
        "head.weight",
    ]
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert [n for n, _ in net.named_children()] == ["features", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "",
        "features",
        "features.0",
        "features.1",
        "features.2",
        "head",
    ]
    assert len(list(net.parameters())) == 6 and len(list(net.modules())) == 6
    assert net.head.bias is None and "bias" in net.head._parameters
    assert net.get_submodule("features.2") is net.features[2]


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert seq.num_parameters() == 6


def test_reassigning_and_deleting_attributes_updates_the_registries():
    net = Net()
    net.head = nn.Identity()
    assert "head.weight" not in dict(net.named_parameters())
    net.extra = Parameter(ag.zeros(2))
    assert "extra" in dict(net.named_parameters())
    del net.extra
    assert "extra" not in dict(net.named_parameters())
    net.features = None
    assert [n for n, _ in net.named_children()] == ["head"]
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'scale'"):
        net.scale = ag.zeros(1)
    with pytest.raises(TypeError, match="cannot assign int as buffer 'steps'"):
        net.steps = 3
    net.steps = ag.ones(1)  # a tensor replaces a buffer
    assert dict(net.named_buffers())["steps"].data[0] == 1


def test_assigning_before_init_says_to_call_super_init():
    class Bad(nn.Module):
        def __init__(self) -> None:
            self.w = Parameter(ag.zeros(1))

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Bad"):
        Bad()


def test_register_buffer_rejects_non_tensors_and_clashing_names():
    m = nn.Module()
    with pytest.raises(TypeError, match="register_buffer: 'b' must be a Tensor"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(KeyError, match="without '.'"):
        m.register_buffer("a.b", ag.zeros(1))
    m.register_buffer("tmp", ag.zeros(2), persistent=False)
    assert "tmp" in dict(m.named_buffers()) and "tmp" not in m.state_dict()


def test_train_eval_apply_zero_grad_and_requires_grad():
    net = Net()
    assert net.training and net.features[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"  # children first
    net(ag.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_converts_parameters_and_buffers_in_place():
    net = Net()
    w = net.head.weight
    net.double()
    assert net.head.weight is w and w.dtype == np.float64
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert dict(net.named_buffers())["steps"].dtype == np.float64
    assert net(ag.randn(2, 4, dtype=np.float64)).dtype == np.float64


# --- containers --------------------------------------------------------------------------------


def test_sequential_indexing_len_iteration_append_and_slicing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    assert list(seq) == [a, b]
    seq.append(c)
    assert len(seq) == 3 and seq[2] is c
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    x = ag.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, c(b(a(x))).data)
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        seq[3]
    named = nn.Sequential({"enc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert [n for n, _ in named.named_children()] == ["enc", "act"]


def test_module_list_and_module_dict_register_their_members():
    ml = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 2))
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][-1] == "2.bias"
    ml.insert(0, nn.Tanh())
    assert isinstance(ml[0], nn.Tanh) and len(ml) == 4
    del ml[0]
    assert len(ml) == 3 and [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert "b" in md and list(md.keys()) == ["a", "b"] and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    x = ag.randn(3)
    assert nn.Identity(54, unused=1)(x) is x


# --- state dicts -------------------------------------------------------------------------------


def test_state_dict_round_trip_restores_outputs():
    ag.manual_seed(0)
    a, b = Net(), Net()
    x = ag.randn(3, 4)
    sd = a.state_dict()
    assert list(sd) == [
        "scale",
        "steps",
        "features.0.weight",
        "features.0.bias",
        "features.2.weight",
        "features.2.bias",
        "head.weight",
    ]
    assert all(type(v) is Tensor and not v.requires_grad for v in sd.values())
    keep = b.head.weight
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.head.weight is keep  # loaded in place
    np.testing.assert_array_equal(a(x).data, b(x).data)
    # values are copied: changing the source later does not touch b
    a.head.weight.data[...] = 0
    assert np.any(b.head.weight.data != 0)
    # plain arrays load too, cast to the parameter dtype
    b.load_state_dict({k: np.asarray(v.data, dtype=np.float64) for k, v in sd.items()})
    assert b.head.weight.dtype == np.float32


def test_strict_load_lists_missing_unexpected_and_mismatched_keys_in_one_message():
    net = Net()
    sd = net.state_dict()
    del sd["head.weight"]
    sd["bogus.weight"] = ag.zeros(2)
    sd["features.0.weight"] = ag.zeros(5, 4)
    before = net.features[2].weight.data.copy()
    sd["features.2.weight"] = ag.zeros(3, 3)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert "into Net" in msg and "nothing was loaded" in msg
    assert "missing keys (in the model, not in the state_dict): head.weight" in msg
    assert "unexpected keys (in the state_dict, not in the model): bogus.weight" in msg
    assert "features.0.weight: shape (5, 4) in the state_dict, (3, 4) in the model" in msg
    np.testing.assert_array_equal(net.features[2].weight.data, before)  # nothing written


def test_non_strict_load_reports_keys_but_still_rejects_bad_shapes():
    net = Net()
    sd = net.state_dict()
    del sd["scale"]
    sd["extra"] = ag.zeros(1)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra"]
    sd["head.weight"] = ag.zeros(1)
    with pytest.raises(RuntimeError, match=r"head.weight: shape \(1,\)"):
        net.load_state_dict(sd, strict=False)


# --- printing ----------------------------------------------------------------------------------


def test_repr_prints_the_tree_with_parameter_counts():
    text = repr(Net())
    # 4*3+3 + 3*3+3 + 3*2 + 1 = 34
    assert text.splitlines()[0] == "Net(  # 34 parameters"
    assert "  (features): Sequential(  # 27 parameters" in text
    assert "    (0): Linear(in_features=4, out_features=3, bias=True)  # 15 parameters" in text
    assert "    (1): ReLU()\n" in text
    assert "  (head): Linear(in_features=3, out_features=2, bias=False)  # 6 parameters" in text
    assert text.endswith(")")
    big = nn.Linear(784, 512)
    assert repr(big).endswith("# 401,920 parameters")


# --- scopes for graph drawing ------------------------------------------------------------------


def _scopes(t: Tensor) -> set:
    return {(node.gate.name, node.scope) for node in topological_order([t])}


def test_call_tags_recorded_gates_with_the_dotted_module_name():
    net = Net()
    y = net(ag.randn(2, 4))
    scopes = _scopes(y)
    assert ("relu", "features.1") in scopes
    assert ("linear", "features.0") in scopes and ("linear", "features.2") in scopes
    assert ("linear", "head") in scopes
    assert ("mul", "Net") in scopes  # the root's own gates carry its class name
    # a child called on its own is a root of its own call
    z = net.head(ag.randn(2, 3))
    assert z.grad_fn.scope == "Linear"
    # the scope is restored after the call, also when forward raises
    with pytest.raises(ValueError):
        net(ag.randn(2, 5))
    assert ag.current_scope() is None
    w = ag.tensor([1.0], requires_grad=True) * 2
    assert w.grad_fn.scope is None


def test_two_threads_running_two_models_each_tag_their_own_gates():
    """Module naming is per thread: a model called while another thread is inside a different
    model's forward still names its gates from its own tree."""
    import threading

    inside, done = threading.Event(), threading.Event()

    class Waits(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: Tensor) -> Tensor:
            y = self.fc(x)
            inside.set()
            assert done.wait(10)
            return self.fc(y)

    waits, results = Waits(), {}
    worker = threading.Thread(target=lambda: results.setdefault("w", waits(ag.randn(1, 4))))
    worker.start()
    assert inside.wait(10)
    other = _scopes(Net()(ag.randn(2, 4)))  # while the worker is inside Waits.forward
    done.set()
    worker.join()
    assert ("linear", "features.0") in other and ("linear", "head") in other
    assert {s for _, s in _scopes(results["w"])} == {"fc"}


def test_without_grad_mode_a_call_is_just_forward():
    """Under no_grad nothing is recorded, so no scope is entered (the call costs what forward
    costs); a gate that enable_grad() records inside such a call carries no module name."""
    seen = []

    class Probe(nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            seen.append(ag.current_scope())
            with ag.enable_grad():
                return x * 2

    x = ag.ones(2, requires_grad=True)
    with ag.no_grad():
        inner = Probe()(x)
    named = Probe()(x)
    assert seen == [None, "Probe"]
    assert inner.grad_fn.scope is None and named.grad_fn.scope == "Probe"


def test_scope_names_follow_changes_to_the_tree():
    net = Net()
    net(ag.randn(1, 4))
    net.features.append(nn.Tanh())
    y = net.features(ag.randn(1, 4))
    assert ("tanh", "3") in _scopes(y)
    assert ("tanh", "features.3") in _scopes(net(ag.randn(1, 4)))


def test_sequential_delete_renumbers_so_append_keeps_every_module():
    s = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh())
    del s[0]
    s.append(nn.Sigmoid())
    assert [type(m).__name__ for m in s] == ["ReLU", "Tanh", "Sigmoid"]
    assert [name for name, _ in s.named_children()] == ["0", "1", "2"]
