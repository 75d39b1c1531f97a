# opskit: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

.PHONY: run test lab notebooks data bench clean help workshop

help:
	@echo "make run        安装（首次）并在演示数据上执行全部章节，生成 build/html/index.html"
	@echo "make test       运行全部测试"
	@echo "make lab        打开 JupyterLab（中文界面）"
	@echo "make workshop   把共创画布作为本机网页应用打开（CH=03 或 CH=11，默认 03）"
	@echo "make notebooks  重新执行章节与练习笔记本并保存输出（修改笔记本后使用）"
	@echo "make data       按文档中的种子重新生成内置演示数据与数据说明"
	@echo "make bench      运行规模基准测试（100 万用户、1000 万订单）"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml etc/jupyterlab-overrides.json | $(PY)
	@echo "安装工具包与依赖到 $(VENV)（首次约 3 分钟，下面是 pip 的进度）…"
	$(PY) -m pip install --progress-bar on --upgrade pip
	$(PY) -m pip install --progress-bar on -e ".[course,test,spark]"
	mkdir -p $(LAB_SETTINGS)
	cp etc/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	touch $(STAMP)

run: $(STAMP)
	@echo "在演示数据上执行全部章节…"
	$(PY) -m opskit.course.cli site --out build/html
	@echo ""
	@echo "完成。用浏览器打开：$(CURDIR)/build/html/index.html"
	@echo "交互学习：make lab （JupyterLab 中文界面，打开 notebooks/ 中的章节）"

test: $(STAMP)
	$(PY) -m pytest

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=.

CH ?= 03
workshop: $(STAMP)
	$(VENV)/bin/opskit workshop $(CH)

notebooks: $(STAMP)
	$(PY) -m opskit.course.maintain execute-all

data: $(STAMP)
	$(PY) -m opskit.sim

bench: $(STAMP)
	$(PY) benchmarks/bench_simulate.py

clean:
	rm -rf build .pytest_cache
