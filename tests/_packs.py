"""A small valid pack the tests of loading and of hostile input both start from."""

DEMO_PACK = """\
id: demo.entry
version: 1.0.0
effective_from: 2026-01-01
subject: account
title: {zh: 演示, en: Demo}
description: {zh: 演示包, en: A demo pack}
sources: [{seed: s.txt, quote: 粉丝}]
params:
  min_fans: 100000
rules:
  - id: fans
    title: {zh: 粉丝, en: Fans}
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= params.min_fans
"""
