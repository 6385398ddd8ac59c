#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace $NS {

struct $S {
    std::string name;
    std::vector<int> samples;
};

int $F1(const $S &s, std::size_t idx)
{
    return s.samples.at(idx);
}

std::map<std::string, $S> $F2(int n)
{
    std::map<std::string, $S> out;
    for (int i = 0; i < n; i++) {
        $S s{"$N" + std::to_string(i), {}};
        for (int k = 0; k < 6 - i % 6; k++)
            s.samples.push_back(k * 10 + i);
        out[s.name] = s;
    }
    return out;
}

}  // namespace $NS

int main(int argc, char **argv)
{
    int n = argc > 1 ? std::stoi(argv[1]) : 6;
    std::size_t idx = argc > 2 ? std::stoul(argv[2]) : 3;
    auto all = $NS::$F2(n);
    for (const auto &kv : all) {
        std::cerr << "$TAG: " << kv.first << " has " << kv.second.samples.size() << " samples" << std::endl;
        std::cerr << "$TAG: sample[" << idx << "] = " << $NS::$F1(kv.second, idx) << std::endl;
    }
    return 0;
}
