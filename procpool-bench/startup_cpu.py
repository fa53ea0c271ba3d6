"""CPU time and wall clock of `bin/procpool run true ::: 1` (with its class archive, made first in a
fresh cache, and with PROCPOOL_CDS=0) and of a bare hello-world JVM, on JDK 17 and 25, 7 runs each.
CPU time (getrusage of the children) is disturbed less than wall clock on a machine shared with
other work. Run from the repository root after `mvn -B -q install -DskipTests`:

    python3 procpool-bench/startup_cpu.py
"""
import os, subprocess, sys, resource, time, statistics
runs=7
out=[]
for home in ["/usr/lib/jvm/java-17-openjdk-amd64","/usr/lib/jvm/temurin-25-jdk-amd64"]:
    cache=f"/tmp/procpool-startup-cpu-{os.path.basename(home)}"
    subprocess.run(["rm","-rf",cache])
    env=dict(os.environ, JAVA_HOME=home, XDG_CACHE_HOME=cache)
    subprocess.run(["bin/procpool","run","true",":::","1"],env=env,stdout=subprocess.DEVNULL)
    for _ in range(240):
        d=f"{cache}/procpool/cds"
        if os.path.isdir(d) and any(f.startswith("cli-") and (f.endswith(".aot") or f.endswith(".jsa")) for f in os.listdir(d)) and not any(f.endswith(".lock") for f in os.listdir(d)): break
        time.sleep(0.5)
    series={"hello world":([home+"/bin/java","-cp","procpool-bench/target/procpool-bench.jar","dev.procpool.bench.HelloWorld"],{}),
            "procpool run true ::: 1, archive":(["bin/procpool","run","true",":::","1"],{}),
            "procpool run true ::: 1, PROCPOOL_CDS=0":(["bin/procpool","run","true",":::","1"],{"PROCPOOL_CDS":"0"})}
    load=open("/proc/loadavg").read().split()[:3]
    res={}
    for name,(cmd,extra) in series.items():
        cpu=[];wall=[]
        for i in range(runs):
            r0=resource.getrusage(resource.RUSAGE_CHILDREN); t0=time.perf_counter()
            subprocess.run(cmd,env=dict(env,**extra),stdout=subprocess.DEVNULL,stdin=subprocess.DEVNULL)
            t1=time.perf_counter(); r1=resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append((r1.ru_utime-r0.ru_utime+r1.ru_stime-r0.ru_stime)*1000); wall.append((t1-t0)*1000)
        cpu.sort(); wall.sort()
        res[name]=(cpu,wall)
    load2=open("/proc/loadavg").read().split()[:3]
    print(f"\n{os.path.basename(home)}: {runs} runs, load {' '.join(load)} -> {' '.join(load2)}")
    print("| series | CPU min / median / max | wall min / median / max |")
    print("| --- | ---: | ---: |")
    for name,(c,w) in res.items():
        print(f"| {name} | {c[0]:.0f} / {c[runs//2]:.0f} / {c[-1]:.0f} ms | {w[0]:.0f} / {w[runs//2]:.0f} / {w[-1]:.0f} ms |")
