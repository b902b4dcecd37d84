// A dynamically linked C++ program (libstdc++.so.6, libgcc_s.so.1, libm, libc): exceptions
// (thrown through frames and across the library boundary, rethrown, nested, from a thread),
// std::thread with mutex, condition variable, atomics, futures and thread_local, iostreams
// (formatting, stringstreams, a file), containers and algorithms, static constructors and
// destructors, virtual calls, RTTI.
// LDFLAGS: -pthread
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

namespace {

struct Announce {
	const char *name;
	explicit Announce(const char *n) : name(n) { std::cout << "static constructor: " << name << std::endl; }
	~Announce() { std::printf("static destructor: %s\n", name); }
};
Announce first("first");
Announce second("second");

struct Error : std::runtime_error {
	int code;
	Error(const std::string &what, int c) : std::runtime_error(what), code(c) {}
};

struct Guard {
	std::string name;
	explicit Guard(std::string n) : name(std::move(n)) {}
	~Guard() { std::cout << "  unwound " << name << "\n"; }
};

int depth(int n)
{
	Guard g("frame " + std::to_string(n));
	if (n == 0)
		throw Error("bottom reached", 42);
	return depth(n - 1) + 1;
}

struct Shape {
	virtual ~Shape() = default;
	virtual double area() const = 0;
	virtual std::string name() const = 0;
};
struct Square : Shape {
	double s;
	explicit Square(double x) : s(x) {}
	double area() const override { return s * s; }
	std::string name() const override { return "square"; }
};
struct Circle : Shape {
	double r;
	explicit Circle(double x) : r(x) {}
	double area() const override { return 3.14159265358979 * r * r; }
	std::string name() const override { return "circle"; }
};

thread_local int tl_value = 1;

void section(const char *name) { std::cout << "== " << name << "\n"; }

void exceptions()
{
	section("exceptions");
	try {
		depth(3);
	} catch (const Error &e) {
		std::cout << "caught Error: " << e.what() << " (code " << e.code << ")\n";
	}
	try {
		std::vector<int> v(3);
		(void)v.at(10); // thrown inside libstdc++
	} catch (const std::out_of_range &e) {
		std::cout << "caught std::out_of_range from the library: yes\n";
	}
	try {
		try {
			throw std::string("a string");
		} catch (...) {
			std::cout << "caught (...), rethrowing\n";
			throw;
		}
	} catch (const std::string &s) {
		std::cout << "caught rethrown: " << s << "\n";
	}
	try {
		try {
			throw std::logic_error("inner");
		} catch (...) {
			std::throw_with_nested(std::runtime_error("outer"));
		}
	} catch (const std::exception &e) {
		std::cout << "outer: " << e.what();
		try {
			std::rethrow_if_nested(e);
		} catch (const std::exception &inner) {
			std::cout << ", nested: " << inner.what() << "\n";
		}
	}
	std::exception_ptr p;
	std::thread t([&] {
		try {
			throw Error("from a thread", 7);
		} catch (...) {
			p = std::current_exception();
		}
	});
	t.join();
	try {
		std::rethrow_exception(p);
	} catch (const Error &e) {
		std::cout << "exception carried out of a thread: " << e.what() << " " << e.code << "\n";
	}
	try {
		throw 3.5;
	} catch (double d) {
		std::cout << "caught a double: " << d << "\n";
	}
	auto bad = std::function<void()>();
	try {
		bad();
	} catch (const std::bad_function_call &) {
		std::cout << "bad_function_call: yes\n";
	}
}

void threads()
{
	section("threads");
	std::mutex m;
	long counter = 0;
	std::atomic<long> atomic_counter{0};
	std::vector<std::thread> pool;
	for (int i = 0; i < 8; i++)
		pool.emplace_back([&, i] {
			tl_value = i * 10;
			for (int j = 0; j < 10000; j++) {
				std::lock_guard<std::mutex> lock(m);
				counter++;
			}
			atomic_counter.fetch_add(tl_value, std::memory_order_relaxed);
		});
	for (auto &t : pool)
		t.join();
	std::cout << "counter = " << counter << ", sum of thread_locals = " << atomic_counter << ", main's = " << tl_value
		  << "\n";

	std::condition_variable cv;
	std::vector<int> queue;
	bool done = false;
	std::thread producer([&] {
		for (int i = 1; i <= 5; i++) {
			std::lock_guard<std::mutex> lock(m);
			queue.push_back(i * i);
			cv.notify_one();
		}
		std::lock_guard<std::mutex> lock(m);
		done = true;
		cv.notify_one();
	});
	int got = 0, sum = 0;
	{
		std::unique_lock<std::mutex> lock(m);
		while (true) {
			cv.wait(lock, [&] { return !queue.empty() || done; });
			while (!queue.empty()) {
				sum += queue.back();
				queue.pop_back();
				got++;
			}
			if (done)
				break;
		}
	}
	producer.join();
	std::cout << "consumed " << got << " items, sum " << sum << "\n";

	auto f = std::async(std::launch::async, [] { return std::string("from std::async"); });
	std::cout << "future: " << f.get() << "\n";
	std::promise<int> pr;
	auto fut = pr.get_future();
	std::thread setter([&] { pr.set_value(99); });
	std::cout << "promise: " << fut.get() << "\n";
	setter.join();
	std::cout << "hardware_concurrency > 0: " << (std::thread::hardware_concurrency() > 0 ? "yes" : "no") << "\n";
}

void streams()
{
	section("iostreams");
	std::cout << std::setw(8) << std::setfill('.') << 42 << "|" << std::left << std::setw(6) << "ab" << "|\n";
	std::cout << std::setfill(' ') << std::right;
	std::cout << std::hex << 255 << " " << std::oct << 8 << " " << std::dec << 10 << "\n";
	std::cout << std::fixed << std::setprecision(3) << 3.14159 << " " << std::scientific << 12345.678 << "\n";
	std::cout << std::defaultfloat << std::boolalpha << true << " " << std::noboolalpha << false << "\n";
	std::istringstream in("10 20 thirty 40");
	int a, b, c;
	in >> a >> b;
	std::string word;
	in >> word >> c;
	std::cout << "parsed " << a << " " << b << " " << word << " " << c << "\n";
	std::ostringstream out;
	out << "pi~" << std::setprecision(5) << 3.14159265 << ";" << std::string(3, 'x');
	std::cout << "ostringstream: " << out.str() << "\n";
	{
		std::ofstream f("/tmp/dyncpp.txt");
		f << "line one\nline two\n" << 123 << "\n";
	}
	std::ifstream f("/tmp/dyncpp.txt");
	std::string line;
	int lines = 0;
	while (std::getline(f, line))
		std::cout << "file line " << ++lines << ": " << line << "\n";
	std::remove("/tmp/dyncpp.txt");
	std::ostringstream captured;
	auto *old = std::cerr.rdbuf(captured.rdbuf());
	std::cerr << "through std::cerr's buffer";
	std::cerr.rdbuf(old);
	std::cout << "captured from cerr: " << captured.str() << "\n";
}

void containers()
{
	section("containers");
	std::vector<int> v(20);
	std::iota(v.begin(), v.end(), 1);
	std::reverse(v.begin(), v.end());
	std::stable_sort(v.begin(), v.end(), [](int x, int y) { return x % 3 < y % 3; });
	for (int x : v)
		std::cout << x << " ";
	std::cout << "\n";
	std::map<std::string, int> words;
	for (auto w : {"pear", "apple", "fig", "apple", "pear", "apple"})
		words[w]++;
	for (auto &[k, n] : words)
		std::cout << k << "=" << n << " ";
	std::cout << "\n";
	std::vector<std::unique_ptr<Shape>> shapes;
	shapes.push_back(std::make_unique<Square>(2));
	shapes.push_back(std::make_unique<Circle>(1));
	for (auto &s : shapes)
		std::cout << s->name() << " " << std::fixed << std::setprecision(4) << s->area() << " typeid "
			  << (typeid(*s) == typeid(Square) ? "Square" : "Circle") << "\n";
	std::cout << std::defaultfloat;
	auto shared = std::make_shared<std::string>("shared");
	std::weak_ptr<std::string> weak = shared;
	std::cout << "use_count " << shared.use_count() << ", expired " << weak.expired();
	shared.reset();
	std::cout << " -> " << weak.expired() << "\n";
}

} // namespace

int main(int argc, char **argv)
{
	std::setvbuf(stdout, nullptr, _IONBF, 0);
	std::cout << "C++ " << __cplusplus << ", argc " << argc << (argc > 1 ? std::string(", ") + argv[1] : "") << "\n";
	exceptions();
	threads();
	streams();
	containers();
	std::cout << "end of main\n";
	return 0;
}
