import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 3: `fieldbook rollcall EVENT`, driven as a facilitator would, through a
/// pseudo-terminal (the real binary, on a real tty), and from a pipe.
struct InteractiveRollCallTests {
    /// Drives a program on a pseudo-terminal: waits for each expected text, types each
    /// answer, and may SIGKILL the program at a prompt. Prints the transcript, then
    /// `EXIT <status>` (or `KILLED`).
    static let driver = #"""
        import json, os, pty, select, signal, sys, time
        spec = json.loads(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(spec["argv"][0], spec["argv"])
        out, pos = b"", 0
        def more(deadline):
            global out
            ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
            if not ready:
                return False
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            out += chunk
            return bool(chunk)
        def expect(text):
            global pos
            deadline = time.time() + 30
            while out.find(text.encode(), pos) < 0:
                if not more(deadline):
                    sys.stdout.write(out.decode(errors="replace") + "\nMISSING " + repr(text) + "\n")
                    sys.exit(3)
            pos = out.find(text.encode(), pos) + len(text.encode())
        for step in spec["steps"]:
            if step[0] == "expect":
                expect(step[1])
            elif step[0] == "send":
                os.write(fd, (step[1] + "\n").encode())
            elif step[0] == "kill":
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                sys.stdout.write(out.decode(errors="replace") + "\nKILLED\n")
                sys.exit(0)
        deadline = time.time() + 30
        while more(deadline):
            pass
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace") + "\nEXIT %d\n" % os.waitstatus_to_exitcode(status))
        """#

    enum Step {
        case expect(String), send(String), kill
    }

    /// Runs `fieldbook ARGUMENTS` on a pseudo-terminal through the steps; the transcript
    /// with LF line ends (a tty writes CRLF).
    static func onTerminal(_ cli: CLIRunner, _ arguments: [String], _ steps: [Step]) throws -> String {
        let spec: [String: Any] = [
            "argv": [cli.executable.path] + arguments,
            "steps": steps.map { step -> [String] in
                switch step {
                case .expect(let text): ["expect", text]
                case .send(let text): ["send", text]
                case .kill: ["kill"]
                }
            },
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let result = try runProcess(python, ["python3", "-c", driver, json], environment: cli.environment, timeout: 90)
        #expect(result.exitCode == 0, "\(result)")
        return result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test func aRollCallOnATerminalKeepsEveryAnswerThroughAKillAndResumes() throws {
        let day = try FieldDay()
        let cli = day.cli
        // In the sign-in sheet's order: Chen Jie, Li Wei, 李伟 (li wei), 王芳 (wang fang).
        let first = try Self.onTerminal(
            cli, ["rollcall", "Module 1"],
            [
                .expect("4 of 4 not marked yet"), .expect("[1/4] Chen Jie  SPBS ? "), .send("p"),
                .expect("[2/4] Li Wei  2345678  SPBS ? "), .send("maybe"), .expect("  answer p present"),
                .expect("[2/4] Li Wei  2345678  SPBS ? "), .send("l train delay"),
                .expect("[3/4] 李伟  1234567  SPBS ? "), .kill,
            ])
        #expect(first.hasSuffix("KILLED\n"), "\(first)")
        // Killed at the third name: the two answers given are on the replica.
        #expect(
            try day.register(day.module1) == [
                "Chen Jie": "present", "Li Wei": "late", "李伟": "unmarked", "王芳": "unmarked",
            ])
        let lines = try #require(try cli.object("register", day.module1)["lines"] as? [[String: Any]])
        #expect(lines.contains { $0["remark"] as? String == "train delay" })

        // Again: only the people not marked yet.
        let second = try Self.onTerminal(
            cli, ["rollcall", day.module1],
            [
                .expect("2 of 4 not marked yet"), .expect("[1/2] 李伟  1234567  SPBS ? "), .send("e school inspection"),
                .expect("[2/2] 王芳  3456789  SPBS ? "), .send("q"),
                .expect("Marked 1 (1 excused); 1 not marked: run `fieldbook rollcall \(day.module1)` to go on."),
            ])
        #expect(second.hasSuffix("EXIT 0\n"), "\(second)")
        #expect(try day.register(day.module1)["李伟"] == "excused")

        // --all goes over everyone, showing the marks already given.
        let third = try Self.onTerminal(
            cli, ["rollcall", day.module1, "--all"],
            [
                .expect("4 participants"), .expect("[1/4] Chen Jie  SPBS [present] ? "), .send("s"),
                .expect("[2/4] Li Wei  2345678  SPBS [late: train delay] ? "), .send("a"),
                .expect("[3/4] 李伟  1234567  SPBS [excused: school inspection] ? "), .send("s"),
                .expect("[4/4] 王芳  3456789  SPBS ? "), .send("a"),
                .expect("Marked 2 (2 absent), skipped 2; 0 not marked."),
            ])
        #expect(third.hasSuffix("EXIT 0\n"), "\(third)")
        #expect(
            try day.register(day.module1) == [
                "Chen Jie": "present", "Li Wei": "absent", "李伟": "excused", "王芳": "absent",
            ])
    }

    @Test func answersMayComeFromAPipe() throws {
        let day = try FieldDay()
        let cli = day.cli
        func rollcall(_ arguments: [String], input: String) throws -> ProcessResult {
            try runProcess(cli.executable, ["rollcall"] + arguments, environment: cli.environment, input: input)
        }
        let piped = try rollcall([day.module1], input: "p\nl\n\nx\na\n")
        #expect(piped.exitCode == 0 && piped.stderr.isEmpty, "\(piped)")
        // No terminal echoes the answers: the transcript writes them after each prompt.
        #expect(piped.stdout.contains("[1/4] Chen Jie  SPBS ? p\n[2/4] Li Wei  2345678  SPBS ? l\n"), "\(piped.stdout)")
        #expect(piped.stdout.contains("[3/4] 李伟  1234567  SPBS ? \n  answer p present"), "\(piped.stdout)")
        // The input ran out at 王芳: the answers given are kept, and nothing else happens.
        #expect(
            piped.stdout.hasSuffix(
                "Marked 3 (1 present, 1 late, 1 absent); 1 not marked: run `fieldbook rollcall \(day.module1)` to go on.\n"
            ), "\(piped.stdout)")
        #expect(
            try day.register(day.module1) == [
                "Chen Jie": "present", "Li Wei": "late", "李伟": "absent", "王芳": "unmarked",
            ])

        let json = try rollcall([day.module1, "--json"], input: "e\n")
        #expect(json.exitCode == 0, "\(json)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((summary["marked"] as? [[String: Any]])?.first?["status"] as? String == "excused")
        #expect(summary["unmarked"] as? Int == 0 && summary["stopped"] as? Bool == false)
        #expect(json.stderr.contains("[1/1] 王芳"), "the dialogue goes to stderr with --json")

        let done = try rollcall([day.module1], input: "")
        #expect(
            done.stdout.contains("0 of 4 not marked yet") && done.stdout.hasSuffix("Marked 0; 0 not marked.\n"),
            "\(done)")
        let unknown = try rollcall(["Module 9"], input: "p\n")
        #expect(unknown.exitCode == 66 && unknown.stderrLines.count == 1 && unknown.stdout.isEmpty, "\(unknown)")
    }
}
